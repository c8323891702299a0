using System.Net;
using System.Text.Json;
using Mnemo.Client;
using Mnemo.Grains.Interfaces;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>Three silo processes that found each other through the Kubernetes API, seen through the
/// .NET client, the CLI, kubectl and the health probes.</summary>
public sealed class ClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Node_memory_grain_reports_and_manages_each_nodes_own_pool()
    {
        await using MnemoClient client = await Cluster.ConnectAsync();
        foreach (var node in Cluster.Settings)
        {
            var grain = client.Cluster.GetGrain<INodeMemoryGrain>(node.NodeName);
            var region = $"r{Guid.NewGuid():N}"[..20];

            var created = await grain.CreateRegionAsync(region);
            var usage = await grain.GetUsageAsync();

            Assert.Equal(node.NodeName, usage.NodeName);
            Assert.Equal("emulation", usage.DeviceMode);
            Assert.Equal(node.PoolCapacity, usage.CapacityBytes);
            Assert.InRange(usage.DataCapacityBytes, 1UL, usage.CapacityBytes);
            Assert.Equal(region, created.Name);
            Assert.Contains(usage.Regions, r => r.Name == region);
            Assert.Contains(await grain.ListRegionsAsync(), r => r.Name == region);
            Assert.True(await grain.DropRegionAsync(region));
            Assert.False(await grain.DropRegionAsync(region));
            Assert.DoesNotContain(await grain.ListRegionsAsync(), r => r.Name == region);
        }
    }

    [Fact]
    public async Task Creating_a_region_twice_fails_with_the_engines_reason()
    {
        await using MnemoClient client = await Cluster.ConnectAsync();
        var grain = client.Cluster.GetGrain<INodeMemoryGrain>(Cluster.Settings[1].NodeName);
        var region = $"dup{Guid.NewGuid():N}"[..16];
        await grain.CreateRegionAsync(region);

        var e = await Assert.ThrowsAnyAsync<Exception>(() => grain.CreateRegionAsync(region));

        Assert.Contains(region, e.Message);
        await grain.DropRegionAsync(region);
    }

    [Fact]
    public async Task Health_endpoints_answer_once_the_silo_is_an_active_member()
    {
        using var http = new HttpClient();
        var node = Cluster.Settings[2];

        var healthz = await http.GetAsync($"http://127.0.0.1:{node.HealthPort}/healthz");
        var readyz = await http.GetStringAsync($"http://127.0.0.1:{node.HealthPort}/readyz");

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.StartsWith($"ready {node.NodeName} S127.0.0.1:{node.SiloPort}:", readyz);
    }

    [Fact]
    public async Task Every_gateway_reads_the_same_three_active_members_from_the_kubernetes_table()
    {
        for (int gateway = 0; gateway < 3; gateway++)
        {
            IReadOnlyList<MemberInfo> members = await Cluster.MembersSeenByAsync(gateway);

            Assert.Equal(Cluster.Settings.Select(s => s.NodeName).Order(), members.Select(m => m.Node).Order());
            Assert.All(members, m => Assert.Equal("Active", m.Status));
            Assert.All(members, m => Assert.True(m.Generation > 0));
            Assert.Equal(Cluster.Settings.Select(s => $"127.0.0.1:{s.SiloPort}").Order(), members.Select(m => m.Address).Order());
        }
    }

    [Fact]
    public async Task Kubectl_get_silos_shows_the_members_and_their_status()
    {
        var result = await CliRunner.KubectlAsync(Cluster.Kubeconfig, "get", "silos", "-l", $"mnemo.dev/cluster-id={Cluster.ClusterId}");

        Assert.True(result.ExitCode == 0, result.Stderr);
        string[] lines = result.Stdout.Trim().Split('\n');
        Assert.Contains("NODE", lines[0]);
        Assert.Contains("STATUS", lines[0]);
        foreach (var node in Cluster.Settings)
            Assert.Contains(lines, l => l.Contains(node.NodeName) && l.Contains("Active") && l.Contains($"127.0.0.1:{node.SiloPort}"));
    }

    [Fact]
    public async Task Kubectl_get_mnemonodes_shows_every_node_with_a_distinct_ordinal()
    {
        string[][] rows = [];
        await Cluster.WaitUntilAsync(async () =>
        {
            var result = await CliRunner.KubectlAsync(Cluster.Kubeconfig, "get", "mnemonodes");
            rows = result.Stdout.Trim().Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
            return result.ExitCode == 0 && rows.Length == Cluster.Settings.Length + 1;
        }, TimeSpan.FromSeconds(30), "every node to be registered");

        Assert.Equal(["NAME", "NODE", "ORDINAL", "AGE"], rows[0]);
        Assert.Equal(Cluster.Settings.Select(s => s.NodeName).Order(), rows.Skip(1).Select(r => r[1]).Order());
        int[] ordinals = rows.Skip(1).Select(r => int.Parse(r[2])).ToArray();
        Assert.Equal(ordinals.Length, ordinals.Distinct().Count());
        Assert.All(ordinals, o => Assert.InRange(o, 0, 255));
    }

    [Fact]
    public async Task Kubectl_apply_k_of_the_repository_k8s_folder_installs_mnemos_definitions()
    {
        var applied = await CliRunner.KubectlAsync(Cluster.Kubeconfig, "apply", "-k", Path.Combine(RepositoryPaths.Root, "k8s"));
        var crds = await CliRunner.KubectlAsync(Cluster.Kubeconfig, "get", "customresourcedefinitions", "-o", "name");

        Assert.True(applied.ExitCode == 0, applied.Stderr);
        foreach (string crd in new[] { "memshacks.mnemo.dev", "memorymachines.mnemo.dev", "silos.mnemo.dev", "clusterversions.mnemo.dev", "mnemonodes.mnemo.dev", "clustersnapshots.mnemo.dev", "clustersnapshotrestores.mnemo.dev" })
        {
            Assert.Contains($"customresourcedefinition.apiextensions.k8s.io/{crd}", applied.Stdout);
            Assert.Contains($"customresourcedefinition.apiextensions.k8s.io/{crd}", crds.Stdout);
        }
        // The cluster keeps working on the re-applied definitions.
        Assert.Equal(3, (await Cluster.MembersSeenByAsync(0)).Count(m => m.Status == "Active"));
    }

    [Fact]
    public async Task Cli_list_prints_members_as_table_and_json()
    {
        string[] connection = ["--gateway", Cluster.Gateways[0], "--cluster-id", Cluster.ClusterId];

        var table = await CliRunner.MnemoAsync(["list", .. connection]);
        var json = await CliRunner.MnemoAsync(["list", .. connection, "-o", "json"]);

        Assert.True(table.ExitCode == 0, table.Stderr);
        foreach (var node in Cluster.Settings)
            Assert.Contains(node.NodeName, table.Stdout);
        Assert.Contains("Active", table.Stdout);
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var doc = JsonDocument.Parse(json.Stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(Cluster.Settings.Select(s => s.NodeName).Order(), rows.Select(r => r.GetProperty("node").GetString()!).Order());
        Assert.All(rows, r => Assert.Equal("Active", r.GetProperty("status").GetString()));
        Assert.All(rows, r => Assert.True(r.GetProperty("generation").GetInt64() > 0));
    }

    [Fact]
    public async Task Cli_finds_the_gateways_through_the_kubeconfig()
    {
        var result = await CliRunner.MnemoAsync("list", "--kubeconfig", Cluster.Kubeconfig, "--cluster-id", Cluster.ClusterId, "-o", "json");

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var doc = JsonDocument.Parse(result.Stdout);
        Assert.Equal(3, doc.RootElement.GetArrayLength());
    }

    [Fact]
    public async Task Cli_usage_prints_each_nodes_pool_as_table_and_json()
    {
        string[] connection = [.. Cluster.Gateways.SelectMany(g => new[] { "--gateway", g }), "--cluster-id", Cluster.ClusterId];

        var table = await CliRunner.MnemoAsync(["usage", .. connection]);
        var json = await CliRunner.MnemoAsync(["usage", .. connection, "-o", "json"]);

        Assert.True(table.ExitCode == 0, table.Stdout + table.Stderr);
        foreach (var node in Cluster.Settings)
            Assert.Contains(node.NodeName, table.Stdout);
        Assert.Contains("32.0 MiB", table.Stdout);
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var doc = JsonDocument.Parse(json.Stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(32UL << 20, r.GetProperty("capacityBytes").GetUInt64()));
        Assert.All(rows, r => Assert.Equal("emulation", r.GetProperty("mode").GetString()));
    }

    [Fact]
    public async Task Cli_against_an_unreachable_cluster_fails_with_one_line_and_exit_code_1()
    {
        var result = await CliRunner.MnemoAsync("list", "--gateway", $"127.0.0.1:{TestCluster.FreePorts(1)[0]}");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("mnemo: no gateway of cluster", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }
}
