using System.Text.Json;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>The CLI's gRPC commands with neither <c>--grpc</c> nor <c>MNEMO_GRPC</c>: the endpoints come from the silos
/// found through the kubeconfig, as the Orleans gateways do.</summary>
[Collection(ConsoleCluster.Name)]
public sealed class CliGrpcDiscoveryTests(ConsoleClusterFixture fixture)
{
    [Fact]
    public async Task Memshack_commands_find_the_grpc_api_through_the_kubeconfig()
    {
        var noGrpc = new Dictionary<string, string> { ["MNEMO_GRPC"] = "" };
        CliRunner.Result listed = default!;
        // The sample is served once every silo has placed it; until then the list may be empty.
        await fixture.Cluster.WaitUntilAsync(async () =>
        {
            listed = await CliRunner.MnemoAsync(noGrpc, "memshack", "list", "-o", "json", "--kubeconfig", fixture.Cluster.Kubeconfig, "--cluster-id", fixture.Cluster.ClusterId);
            return listed.ExitCode == 0 && listed.Stdout.Contains("default/sample", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(90), "mnemo memshack list to show the sample without --grpc");
        using JsonDocument memshacks = JsonDocument.Parse(listed.Stdout);
        JsonElement sample = Assert.Single(memshacks.RootElement.EnumerateArray(), m => m.GetProperty("memshack").GetString() == ConsoleClusterFixture.Sample);
        // node-0's endpoint comes first (node order): its gateway port is the sample's base port.
        Assert.Contains(fixture.SampleBasePort.ToString(System.Globalization.CultureInfo.InvariantCulture), sample.ToString());

        CliRunner.Result set = await CliRunner.MnemoAsync(noGrpc, "cache", "set", "sample", "discovered", "yes", "--kubeconfig", fixture.Cluster.Kubeconfig,
            "--cluster-id", fixture.Cluster.ClusterId);
        Assert.True(set.ExitCode == 0, set.Stderr);
        CliRunner.Result got = await CliRunner.MnemoAsync(noGrpc, "cache", "get", "sample", "discovered", "--kubeconfig", fixture.Cluster.Kubeconfig,
            "--cluster-id", fixture.Cluster.ClusterId);
        Assert.True(got.ExitCode == 0, got.Stderr);
        Assert.Contains("yes", got.Stdout);

        // A cluster id no silo has: no gateway, so no endpoint, and the error says where it looked.
        CliRunner.Result none = await CliRunner.MnemoAsync(noGrpc, "memshack", "list", "--kubeconfig", fixture.Cluster.Kubeconfig, "--cluster-id", "no-such-cluster");
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no-such-cluster", none.Stderr);
    }
}
