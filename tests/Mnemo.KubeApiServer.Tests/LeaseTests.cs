using System.Net;
using k8s;
using k8s.Autorest;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using k8s.Models;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>Leases through client.CoordinationV1, and KubernetesClient's LeaderElector on them (what Mnemo's reconciler uses).</summary>
[Collection("server")]
public sealed class LeaseTests(ServerFixture fixture)
{
    [Fact]
    public async Task Lease_create_replace_and_stale_replace()
    {
        string ns = await fixture.NamespaceAsync("lease");
        var lease = new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "holder" },
            Spec = new V1LeaseSpec { HolderIdentity = "silo-a", LeaseDurationSeconds = 15, RenewTime = DateTime.UtcNow },
        };
        V1Lease created = await fixture.Client.CoordinationV1.CreateNamespacedLeaseAsync(lease, ns);
        Assert.Equal("silo-a", created.Spec.HolderIdentity);

        created.Spec.HolderIdentity = "silo-b";
        V1Lease replaced = await fixture.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "holder", ns);
        Assert.Equal("silo-b", replaced.Spec.HolderIdentity);
        Assert.Equal(created.Spec.RenewTime, replaced.Spec.RenewTime);

        created.Spec.HolderIdentity = "silo-c"; // based on the old resourceVersion
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "holder", ns));
        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);

        V1LeaseList leases = await fixture.Client.CoordinationV1.ListNamespacedLeaseAsync(ns);
        Assert.Equal("silo-b", Assert.Single(leases.Items).Spec.HolderIdentity);
        V1Status deleted = await fixture.Client.CoordinationV1.DeleteNamespacedLeaseAsync("holder", ns);
        Assert.Equal("Success", deleted.Status);
    }

    [Fact]
    public async Task Leader_election_elects_one_leader_and_fails_over_when_it_stops()
    {
        string ns = await fixture.NamespaceAsync("election");
        LeaderElector Elector(string identity) => new(new LeaderElectionConfig(new LeaseLock(fixture.Client, ns, "reconciler", identity))
        {
            LeaseDuration = TimeSpan.FromSeconds(2),
            RenewDeadline = TimeSpan.FromSeconds(1),
            RetryPeriod = TimeSpan.FromMilliseconds(200),
        });
        using LeaderElector first = Elector("silo-a");
        using LeaderElector second = Elector("silo-b");
        var firstLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondLeads = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        first.OnStartedLeading += () => firstLeads.TrySetResult();
        second.OnStartedLeading += () => secondLeads.TrySetResult();
        using var stopFirst = new CancellationTokenSource();
        using var stopSecond = new CancellationTokenSource();

        Task firstRun = first.RunAndTryToHoldLeadershipForeverAsync(stopFirst.Token);
        await firstLeads.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Task secondRun = second.RunAndTryToHoldLeadershipForeverAsync(stopSecond.Token);
        await Eventually.TrueAsync(() => Task.FromResult(second.GetLeader() == "silo-a"), "the second elector to see the first as leader");
        Assert.False(second.IsLeader());
        Assert.False(secondLeads.Task.IsCompleted);

        await stopFirst.CancelAsync();
        await secondLeads.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(second.IsLeader());
        V1Lease lease = await fixture.Client.CoordinationV1.ReadNamespacedLeaseAsync("reconciler", ns);
        Assert.Equal("silo-b", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);

        await stopSecond.CancelAsync();
        await Task.WhenAll(firstRun, secondRun).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
