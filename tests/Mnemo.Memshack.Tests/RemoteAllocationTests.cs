using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.DataPlane;
using Xunit;

namespace Mnemo.Memshack.Tests;

/// <summary>Runs alone: it counts the whole process's allocations, which tests running beside it would add to.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessAllocationCollection
{
    public const string Name = "process allocation";
}

/// <summary>
/// The remote path: a gateway session over a replica set whose replica is in another silo. Each
/// command waits for the peer (the state machines suspend and resume on the thread pool); once warm,
/// the session, the replica set, the peer connection and the data-plane server behind it allocate
/// nothing per command.
/// </summary>
[Collection(ProcessAllocationCollection.Name)]
public sealed class RemoteAllocationTests : IAsyncLifetime
{
    private readonly TestPool _remotePool = new(64UL << 20);
    private DataPlaneServer _server = null!;
    private PeerConnection _peer = null!;

    public async Task InitializeAsync()
    {
        _server = await DataPlaneServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), _remotePool.Pool, (_, _) => null, NullLoggerFactory.Instance);
        _peer = new PeerConnection(_server.EndPoint);
    }

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        await _server.DisposeAsync();
        _remotePool.Dispose();
    }

    [Fact]
    public async Task Commands_over_a_remote_replica_allocate_nothing_per_command()
    {
        var remote = new RemoteReplica(_peer, "alloc", "peer/alloc", (int)_remotePool.Pool.GetStats().ItemSizeMax);
        var shard = new ReplicaSet([remote], new ReplicaSetOptions());
        byte[] requests = Encoding.ASCII.GetBytes("set hot 0 0 100\r\n" + new string('v', 100) + "\r\nget hot\r\nmg hot v f c\r\nmg hot s\r\n"
            + "set n 0 0 1\r\n5\r\nincr n 3\r\ndelete n\r\n");
        const int commandsPerRun = 7;
        var output = new Pipe(new PipeOptions(pauseWriterThreshold: 0, minimumSegmentSize: 8 << 20));
        var stats = new GatewayStats();
        var session = new AsciiSession(shard, new ResponseWriter(output.Writer), stats, stats.TryOpenConnection(maxConnections: 1)!,
            new MemcachedGatewayOptions());

        async Task<int> RunAsync(int times)
        {
            int commands = 0;
            for (int i = 0; i < times; i++)
            {
                var buffer = new ReadOnlySequence<byte>(requests);
                while (!buffer.IsEmpty)
                {
                    ProcessStep step = await session.ProcessAsync(buffer);
                    if (step.Result != ProcessResult.Progress)
                    {
                        return -1;
                    }
                    buffer = buffer.Slice(step.Consumed);
                    commands++;
                }
            }
            return commands;
        }

        // On the thread pool, off the test framework's synchronization context: its posts would be counted.
        Assert.Equal(300 * commandsPerRun, await Task.Run(() => RunAsync(300)));
        // Background work of the runtime (tiered compilation, timers) may allocate a little while measuring; a box or a
        // queued callback per remote command (100 B and more each) would show in every attempt, so one quiet attempt of ten is enough.
        double perCommand = double.MaxValue;
        for (int attempt = 0; attempt < 10 && perCommand >= 1; attempt++)
        {
            long before = GC.GetTotalAllocatedBytes(precise: true);
            int executed = await Task.Run(() => RunAsync(1000));
            perCommand = (double)(GC.GetTotalAllocatedBytes(precise: true) - before) / executed;
        }
        Assert.True(perCommand < 1, $"{perCommand:F1} bytes allocated per command");
    }
}
