using System.Diagnostics;
using System.Text.Json;
using k8s;
using Mnemo.Client;
using Mnemo.Kubernetes;
using Mnemo.Kubernetes.Leadership;
using Xunit;
using Xunit.Abstractions;

namespace Mnemo.Cluster.Tests;

/// <summary>The reconciler on real silos: one silo holds the Lease and projects the Memshack into Kubernetes;
/// killed with kill -9, another silo takes the Lease over and carries on; a deleted Memshack goes once every silo let go of it.</summary>
public sealed class ReconcilerClusterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_elected_silo_reports_the_sample_ready_and_another_takes_over_when_it_is_killed()
    {
        await using var cluster = await TestCluster.StartAsync(3, (i, settings) => settings with { MemshackPortOffset = i });
        int port = MemshackCluster.FreePortRange(3);
        string manifest = Path.Combine(Path.GetDirectoryName(cluster.Kubeconfig)!, "sample.yaml");
        await File.WriteAllTextAsync(manifest, (await File.ReadAllTextAsync(Path.Combine(Mnemo.Tests.Shared.RepositoryPaths.Root, "k8s", "samples", "memshack-sample.yaml")))
            .Replace("mcrouter_port: 5000", $"mcrouter_port: {port}"));
        var applied = await CliRunner.KubectlAsync(cluster.Kubeconfig, "apply", "-f", manifest);
        Assert.True(applied.ExitCode == 0, applied.Stderr);

        IKubernetes client = cluster.Kubernetes.Client;
        await cluster.WaitUntilAsync(async () => ReadyStatus(await GetSampleAsync(client)) == "True", TimeSpan.FromSeconds(90), "the sample Memshack Ready=True");
        var described = await CliRunner.KubectlAsync(cluster.Kubeconfig, "describe", "memshack", "sample");
        output.WriteLine(described.Stdout);
        Assert.True(described.ExitCode == 0, described.Stderr);
        Assert.Contains("AllReplicasInSync", described.Stdout);
        Assert.Contains("ImagesUnused", described.Stdout);
        Assert.Matches(@"Normal\s+AllReplicasInSync", described.Stdout);

        string leader = await HolderAsync(client, cluster.Settings[0].Namespace);
        var leases = await CliRunner.KubectlAsync(cluster.Kubeconfig, "get", "lease", "-n", cluster.Settings[0].Namespace);
        output.WriteLine(leases.Stdout);
        Assert.Matches($@"{LeaderElectionOptions.DefaultLeaseName}\s+{leader}", leases.Stdout);
        int leaderIndex = Array.FindIndex(cluster.Settings, s => s.NodeName == leader);
        Assert.True(leaderIndex >= 0, $"the lease holder '{leader}' is no node");

        var stopwatch = Stopwatch.StartNew();
        await cluster.KillAsync(leaderIndex);
        string successor = leader;
        TimeSpan leaseDuration = cluster.Settings[0].LeaderElection.LeaseDuration, retry = cluster.Settings[0].LeaderElection.RetryPeriod;
        await cluster.WaitUntilAsync(async () => (successor = await HolderAsync(client, cluster.Settings[0].Namespace)) != leader,
            leaseDuration + TimeSpan.FromSeconds(30), "another silo to take the lease");
        TimeSpan takeover = stopwatch.Elapsed;
        output.WriteLine($"takeover: {leader} killed, {successor} holds the lease after {takeover.TotalSeconds:F1} s (lease duration {leaseDuration.TotalSeconds} s)");
        Assert.True(takeover <= leaseDuration + 2 * retry + TimeSpan.FromSeconds(1), $"takeover took {takeover}");

        // The successor reconciles: the killed node's replicas are reported.
        await cluster.WaitUntilAsync(async () => ReadyStatus(await GetSampleAsync(client)) == "False", TimeSpan.FromSeconds(60),
            "the successor to report the sample not ready");
        Assert.Contains(leader, ReadyMessage(await GetSampleAsync(client)));

        // The killed node returns and resyncs; then the Memshack is deleted: the finalizer waits for every silo to let go.
        await cluster.RestartAsync(leaderIndex);
        await cluster.WaitUntilAsync(async () => ReadyStatus(await GetSampleAsync(client)) == "True", TimeSpan.FromSeconds(90),
            "the sample Ready=True again after the node returned");
        var deleted = await CliRunner.KubectlAsync(cluster.Kubeconfig, "delete", "memshack", "sample", "--timeout=60s");
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        await cluster.WaitUntilAsync(async () =>
        {
            try
            {
                await GetSampleAsync(client);
                return false;
            }
            catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return true;
            }
        }, TimeSpan.FromSeconds(30), "the sample to be gone");
        await using MnemoClient mnemo = await cluster.ConnectAsync();
        foreach (var node in cluster.Settings)
            Assert.DoesNotContain((await mnemo.GetNodeUsageAsync(node.NodeName)).Regions, r => r.Name.StartsWith("memshack.default.sample.", StringComparison.Ordinal));
        var events = await client.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=sample");
        Assert.Contains(events.Items, e => e.Reason == "CleanedUp");
        Assert.Contains("Memshack default/sample: cleaned up on every silo; finalizer mnemo.dev/cleanup removed", cluster.Log);
    }

    [Fact]
    public async Task A_silo_that_stops_cleanly_releases_the_lease_and_another_takes_it_within_a_retry_period()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        IKubernetes client = cluster.Kubernetes.Client;
        string ns = cluster.Settings[0].Namespace;
        string leader = "";
        await cluster.WaitUntilAsync(async () => (leader = await HolderAsync(client, ns)) != "", TimeSpan.FromSeconds(60), "a lease holder");
        int leaderIndex = Array.FindIndex(cluster.Settings, s => s.NodeName == leader);
        Assert.True(leaderIndex >= 0, $"the lease holder '{leader}' is no node");

        var stopwatch = Stopwatch.StartNew();
        await cluster.StopAsync(leaderIndex);
        TimeSpan stopped = stopwatch.Elapsed;
        string successor = leader;
        TimeSpan leaseDuration = cluster.Settings[0].LeaderElection.LeaseDuration, retry = cluster.Settings[0].LeaderElection.RetryPeriod;
        await cluster.WaitUntilAsync(async () => (successor = await HolderAsync(client, ns)) is { Length: > 0 } holder && holder != leader,
            leaseDuration + TimeSpan.FromSeconds(30), "the other silo to take the lease");
        TimeSpan takeover = stopwatch.Elapsed;
        output.WriteLine($"takeover: {leader} stopped cleanly in {stopped.TotalSeconds:F1} s, {successor} holds the lease {takeover.TotalSeconds:F1} s after the stop began (lease duration {leaseDuration.TotalSeconds} s, retry period {retry.TotalSeconds} s)");
        Assert.Contains($"{leader} released it", cluster.Log);
        // The successor's next attempt after the release, far sooner than the lease duration a killed holder costs.
        Assert.True(takeover - stopped <= 2 * retry + TimeSpan.FromSeconds(1), $"takeover took {takeover - stopped} after the stop");
    }

    private static async Task<JsonElement> GetSampleAsync(IKubernetes client) =>
        await client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version, "default", "memshacks", "sample");

    private static async Task<string> HolderAsync(IKubernetes client, string ns) =>
        (await client.CoordinationV1.ReadNamespacedLeaseAsync(LeaderElectionOptions.DefaultLeaseName, ns)).Spec.HolderIdentity ?? "";

    private static JsonElement? Ready(JsonElement memshack) =>
        memshack.TryGetProperty("status", out JsonElement status) && status.TryGetProperty("conditions", out JsonElement conditions)
            ? conditions.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(c => c!.Value.GetProperty("type").GetString() == "Ready")
            : null;

    private static string? ReadyStatus(JsonElement memshack) => Ready(memshack)?.GetProperty("status").GetString();

    private static string ReadyMessage(JsonElement memshack) => Ready(memshack)?.GetProperty("message").GetString() ?? "";
}
