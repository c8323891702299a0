using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Mnemo.Grains.Interfaces;
using Orleans.Streams;
using Orleans.TestingHost;

namespace Mnemo.Grains.Tests;

/// <summary>
/// <see cref="ClusterSnapshotGrain"/>'s progress stream, as a client subscribed to it sees it: the phases of a
/// create that commits, of one that fails inside the fence and of one refused before it, in order, ending with
/// the outcome. The grain runs on a silo with its resources in memory and scripted nodes.
/// </summary>
public sealed class SnapshotProgressTests : IAsyncLifetime
{
    private const string Namespace = "default";
    private static readonly MemshackTopology Topology = new(3, 2, ["node-a", "node-b", "node-c"]);

    private readonly InMemorySnapshotStore _store = new();
    private readonly FixedMemshacks _memshacks = new();
    private readonly SnapshotBarrierTests.ScriptedNodes _nodes = new() { FailSnapshotOn = "node-b" };
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMnemoGrains();
            silo.Services.AddSingleton<IClusterSnapshotStore>(_store);
            silo.Services.AddSingleton<IMemshackStatusStore>(_memshacks);
            silo.Services.AddSingleton<ISnapshotParticipants>(new FailingOnlyFor(_nodes));
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(SnapshotProgress.StreamProvider));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await _cluster.StopAllSilosAsync();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_create_that_commits_publishes_pending_fencing_snapshotting_then_committed_with_its_figures()
    {
        _memshacks.Serve("cache", Topology);
        List<SnapshotProgress> events = await CreateAndFollowAsync("nightly", "cache");

        Assert.Equal([ClusterSnapshotStatus.Pending, ClusterSnapshotStatus.Fencing, ClusterSnapshotStatus.Snapshotting, ClusterSnapshotStatus.Committed],
            events.Select(e => e.Phase));
        Assert.All(events, e => Assert.Equal((SnapshotProgress.Create, "default/nightly"), (e.Operation, e.Snapshot)));
        Assert.Equal([false, false, false, true], events.Select(e => e.Finished));
        SnapshotProgress committed = events[^1];
        Assert.Equal((3, 3, 30L, 300L), (committed.ShardsDone, committed.ShardsTotal, committed.Items, committed.Bytes));
        Assert.Equal(ClusterSnapshotStatus.Committed, _store.Status("nightly")?.Phase);
    }

    [Fact]
    public async Task A_create_failing_inside_the_fence_publishes_its_phases_then_failed_with_the_reason()
    {
        _memshacks.Serve("flaky", Topology);
        List<SnapshotProgress> events = await CreateAndFollowAsync("broken", "flaky");

        Assert.Equal([ClusterSnapshotStatus.Pending, ClusterSnapshotStatus.Fencing, ClusterSnapshotStatus.Snapshotting, ClusterSnapshotStatus.Failed],
            events.Select(e => e.Phase));
        Assert.True(events[^1].Finished);
        Assert.Contains("region table full on node-b", events[^1].Message);
        Assert.Equal(ClusterSnapshotStatus.Failed, _store.Status("broken")?.Phase);
    }

    [Fact]
    public async Task A_create_refused_before_the_fence_publishes_pending_then_failed()
    {
        List<SnapshotProgress> events = await CreateAndFollowAsync("orphan", "absent");

        Assert.Equal([ClusterSnapshotStatus.Pending, ClusterSnapshotStatus.Failed], events.Select(e => e.Phase));
        Assert.Contains("Memshack default/absent does not exist", events[^1].Message);
    }

    /// <summary>Subscribes to the snapshot's stream, asks for the snapshot, and returns the events up to the finished one.</summary>
    private async Task<List<SnapshotProgress>> CreateAndFollowAsync(string snapshot, string memshack)
    {
        string key = $"{Namespace}/{snapshot}";
        var events = new ConcurrentQueue<SnapshotProgress>();
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = _cluster.Client.GetStreamProvider(SnapshotProgress.StreamProvider)
            .GetStream<SnapshotProgress>(StreamId.Create(SnapshotProgress.StreamNamespace, key));
        var subscription = await stream.SubscribeAsync((progress, _) =>
        {
            events.Enqueue(progress);
            if (progress.Finished)
                finished.TrySetResult();
            return Task.CompletedTask;
        });
        try
        {
            _store.Add(new ClusterSnapshotResource(Namespace, snapshot, Namespace, memshack, null, null, Deleting: false, Status: null));
            await _cluster.Client.GetGrain<IClusterSnapshotGrain>(key).ReconcileAsync();
            await finished.Task.WaitAsync(TimeSpan.FromSeconds(30));
            return [.. events];
        }
        finally
        {
            await subscription.UnsubscribeAsync();
        }
    }

    /// <summary>The scripted nodes, failing snapshots only for the Memshack named <c>flaky</c>.</summary>
    private sealed class FailingOnlyFor(SnapshotBarrierTests.ScriptedNodes failing) : ISnapshotParticipants
    {
        private readonly SnapshotBarrierTests.ScriptedNodes _healthy = new();

        private ISnapshotParticipants For(string memshack) => memshack.EndsWith("/flaky", StringComparison.Ordinal) ? failing : _healthy;

        public Task HoldWritesAsync(string node, string memshack, TimeSpan lease) => For(memshack).HoldWritesAsync(node, memshack, lease);

        public Task ReleaseWritesAsync(string node, string memshack) => For(memshack).ReleaseWritesAsync(node, memshack);

        public Task CheckAsync(string node, string memshack, int[] shards) => For(memshack).CheckAsync(node, memshack, shards);

        public Task<ReplicaSnapshot[]> SnapshotAsync(string node, string memshack, int[] shards) => For(memshack).SnapshotAsync(node, memshack, shards);

        public Task RestoreAsync(string node, string memshack, ReplicaSnapshot[] snapshots) => For(memshack).RestoreAsync(node, memshack, snapshots);

        public Task<int> RollBackRestoreAsync(string node, string memshack) => For(memshack).RollBackRestoreAsync(node, memshack);

        public Task<int> EndRestoreAsync(string node, string memshack) => For(memshack).EndRestoreAsync(node, memshack);

        public Task<int> DeleteAsync(string node, ReplicaSnapshot[] snapshots) => _healthy.DeleteAsync(node, snapshots);
    }

    private sealed class InMemorySnapshotStore : IClusterSnapshotStore
    {
        private readonly ConcurrentDictionary<string, ClusterSnapshotResource> _snapshots = new();

        public void Add(ClusterSnapshotResource resource) => _snapshots[resource.Name] = resource;

        public ClusterSnapshotStatus? Status(string name) => _snapshots.TryGetValue(name, out ClusterSnapshotResource? r) ? r.Status : null;

        public Task<ClusterSnapshotResource?> ReadAsync(string @namespace, string name, CancellationToken cancellationToken) =>
            Task.FromResult(_snapshots.GetValueOrDefault(name));

        public Task WriteStatusAsync(string @namespace, string name, ClusterSnapshotStatus status, CancellationToken cancellationToken)
        {
            _snapshots.AddOrUpdate(name, _ => throw new InvalidOperationException($"no snapshot {name}"), (_, r) => r with { Status = status });
            return Task.CompletedTask;
        }

        public Task SetFinalizerAsync(string @namespace, string name, bool present, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<ClusterSnapshotRestoreResource?> ReadRestoreAsync(string @namespace, string name, CancellationToken cancellationToken) =>
            Task.FromResult<ClusterSnapshotRestoreResource?>(null);

        public Task WriteRestoreStatusAsync(string @namespace, string name, ClusterSnapshotRestoreStatus status, CancellationToken cancellationToken) =>
            Task.CompletedTask;
    }

    private sealed class FixedMemshacks : IMemshackStatusStore
    {
        private readonly ConcurrentDictionary<string, MemshackTopology> _served = new();

        public void Serve(string name, MemshackTopology topology) => _served[name] = topology;

        public Task<MemshackState?> ReadAsync(string @namespace, string name, CancellationToken cancellationToken) =>
            Task.FromResult(_served.TryGetValue(name, out MemshackTopology? topology)
                ? new MemshackState(new MemshackResource(name, @namespace, new MemshackSpec()), topology, null)
                : null);

        public Task WriteAsync(string @namespace, string name, MemshackTopology served, MemshackMove? move, CancellationToken cancellationToken) =>
            Task.CompletedTask;

        public Task WritePlacementAsync(string @namespace, string name, MemshackPlacementNotice? notice, CancellationToken cancellationToken) =>
            Task.CompletedTask;
    }
}
