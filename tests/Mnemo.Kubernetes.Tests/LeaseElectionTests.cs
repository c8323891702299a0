using k8s;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Mnemo.Kubernetes.Leadership;

namespace Mnemo.Kubernetes.Tests;

/// <summary>The reconciler's election on a real Lease in the embedded API.</summary>
[Collection(KubeApiCollection.Name)]
public sealed class LeaseElectionTests(KubeApiFixture api, ITestOutputHelper output) : IDisposable
{
    private readonly ILoggerFactory _loggerFactory = XunitLoggerProvider.Factory(output, LogLevel.Information);
    private readonly LeaderElectionOptions _options = new()
    {
        LeaseName = "election-" + Guid.NewGuid().ToString("N")[..8],
        LeaseDuration = TimeSpan.FromSeconds(3),
        RenewDeadline = TimeSpan.FromSeconds(2),
        RetryPeriod = TimeSpan.FromMilliseconds(250),
    };

    public void Dispose() => _loggerFactory.Dispose();

    [Fact]
    public async Task One_candidate_leads_and_another_takes_over_within_the_lease_duration_when_it_dies()
    {
        using var connection = api.Connect();
        var leading = new HashSet<string>();
        int concurrentLeaders = 0, maxConcurrentLeaders = 0;
        async Task Lead(string who, CancellationToken term)
        {
            lock (leading)
            {
                leading.Add(who);
                maxConcurrentLeaders = Math.Max(maxConcurrentLeaders, ++concurrentLeaders);
            }
            try
            {
                await Task.Delay(Timeout.Infinite, term);
            }
            finally
            {
                lock (leading) concurrentLeaders--;
            }
        }

        // node-a does not release the lease when stopped, as a killed process cannot.
        var a = new LeaseElection(connection.Client, KubeApiFixture.Namespace, "node-a", _options with { ReleaseOnStop = false }, _loggerFactory.CreateLogger("a"));
        var b = new LeaseElection(connection.Client, KubeApiFixture.Namespace, "node-b", _options, _loggerFactory.CreateLogger("b"));
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        Task runA = a.RunAsync(t => Lead("node-a", t), stopA.Token);
        await Eventually.UntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(10), "node-a leads");
        Task runB = b.RunAsync(t => Lead("node-b", t), stopB.Token);
        await Eventually.UntilAsync(() => b.Leader == "node-a", TimeSpan.FromSeconds(10), "node-b sees node-a lead");

        var lease = await connection.Client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, KubeApiFixture.Namespace);
        Assert.Equal("node-a", lease.Spec.HolderIdentity);
        Assert.False(b.IsLeader);

        // node-a stops renewing without releasing, as a killed process does.
        var stopwatch = Stopwatch.StartNew();
        stopA.Cancel();
        await runA;
        await Eventually.UntilAsync(() => b.IsLeader, _options.LeaseDuration + TimeSpan.FromSeconds(3), "node-b takes over");
        output.WriteLine($"takeover after {stopwatch.Elapsed.TotalSeconds:F2} s (lease duration {_options.LeaseDuration.TotalSeconds} s)");
        Assert.True(stopwatch.Elapsed <= _options.LeaseDuration + _options.RetryPeriod * 3, $"takeover took {stopwatch.Elapsed}");

        lease = await connection.Client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, KubeApiFixture.Namespace);
        Assert.Equal("node-b", lease.Spec.HolderIdentity);
        Assert.Equal(1, maxConcurrentLeaders);
        Assert.Equal(["node-a", "node-b"], leading.Order());

        stopB.Cancel();
        await runB;
        Assert.False(b.IsLeader);
    }

    [Fact]
    public async Task A_holder_that_stops_cleanly_releases_the_lease_and_another_takes_it_at_its_next_attempt()
    {
        using var connection = api.Connect();
        var a = new LeaseElection(connection.Client, KubeApiFixture.Namespace, "node-a", _options, _loggerFactory.CreateLogger("a"));
        var b = new LeaseElection(connection.Client, KubeApiFixture.Namespace, "node-b", _options, _loggerFactory.CreateLogger("b"));
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        Task runA = a.RunAsync(t => Task.Delay(Timeout.Infinite, t), stopA.Token);
        await Eventually.UntilAsync(() => a.IsLeader, TimeSpan.FromSeconds(10), "node-a leads");
        Task runB = b.RunAsync(t => Task.Delay(Timeout.Infinite, t), stopB.Token);
        await Eventually.UntilAsync(() => b.Leader == "node-a", TimeSpan.FromSeconds(10), "node-b sees node-a lead");

        var stopwatch = Stopwatch.StartNew();
        stopA.Cancel();
        await runA;
        var released = await connection.Client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, KubeApiFixture.Namespace);
        Assert.True(released.Spec.HolderIdentity is "" or "node-b", $"holder after the clean stop: '{released.Spec.HolderIdentity}'");
        await Eventually.UntilAsync(() => b.IsLeader, _options.LeaseDuration, "node-b takes over");
        output.WriteLine($"takeover after a clean stop: {stopwatch.Elapsed.TotalSeconds:F2} s (lease duration {_options.LeaseDuration.TotalSeconds} s, retry period {_options.RetryPeriod.TotalSeconds} s)");
        // The candidate's next attempt comes within one retry period (plus its jitter), far sooner than the lease duration.
        Assert.True(stopwatch.Elapsed < _options.RetryPeriod * 3 + TimeSpan.FromSeconds(1), $"takeover took {stopwatch.Elapsed}");
        Assert.Equal("node-b", (await connection.Client.CoordinationV1.ReadNamespacedLeaseAsync(_options.LeaseName, KubeApiFixture.Namespace)).Spec.HolderIdentity);

        stopB.Cancel();
        await runB;
    }

    [Fact]
    public void Options_that_cannot_keep_one_leader_are_refused_naming_the_setting()
    {
        var bad = new LeaderElectionOptions { LeaseDuration = TimeSpan.FromSeconds(5), RenewDeadline = TimeSpan.FromSeconds(10) };
        var error = Assert.Throws<ArgumentException>(bad.Validate);
        Assert.Equal(nameof(LeaderElectionOptions.LeaseDuration), error.ParamName);
    }
}
