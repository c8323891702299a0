using System.Net;
using System.Text.Json;
using Google.Protobuf;
using Mnemo.Cluster.Tests.Infrastructure;
using Mnemo.Grains;
using Mnemo.Runtime;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messages.Health;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Transport;
using Xunit;

namespace Mnemo.Cluster.Tests;

public sealed class ClusterTests(ClusterFixture fixture) : IClassFixture<ClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Client_calls_reach_hash_placed_grains_spread_over_the_silos()
    {
        using var client = await Cluster.ConnectAsync();

        var placements = new Dictionary<string, string>();
        for (var i = 0; i < 30; i++)
            placements[$"spread-{i}"] = await client.GetGrain<IWhereGrain>($"spread-{i}").GetSiloAsync();

        Assert.True(placements.Values.Select(p => p.Split('/')[0]).Distinct().Count() >= 2, string.Join(", ", placements.Values));
        Assert.Equal(placements["spread-7"], await client.GetGrain<IWhereGrain>("spread-7").GetSiloAsync());
        var counter = client.GetGrain<IWhereGrain>($"counter-{Guid.NewGuid()}");
        Assert.Equal(1, await counter.IncrementAsync());
        Assert.Equal(2, await counter.IncrementAsync());
    }

    [Fact]
    public async Task Every_gateway_routes_to_the_same_activation()
    {
        var key = $"shared-{Guid.NewGuid()}";
        var seen = new List<int>();
        foreach (var gateway in Cluster.Gateways)
        {
            using var client = await Cluster.ConnectAsync([gateway]);
            seen.Add(await client.GetGrain<IWhereGrain>(key).IncrementAsync());
        }

        Assert.Equal([1, 2, 3], seen);
    }

    [Fact]
    public async Task Node_memory_grain_reports_and_manages_each_nodes_own_pool()
    {
        using var client = await Cluster.ConnectAsync();
        foreach (var node in Cluster.Options)
        {
            var grain = client.GetGrain<INodeMemoryGrain>(node.NodeName);
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
        using var client = await Cluster.ConnectAsync();
        var grain = client.GetGrain<INodeMemoryGrain>(Cluster.Options[1].NodeName);
        var region = $"dup{Guid.NewGuid():N}"[..16];
        await grain.CreateRegionAsync(region);

        var e = await Assert.ThrowsAsync<GrainMethodException>(() => grain.CreateRegionAsync(region));

        Assert.Contains("EngineException", e.ExceptionType);
        await grain.DropRegionAsync(region);
    }

    [Fact]
    public async Task Unknown_grain_type_is_a_clear_error()
    {
        using var client = await Cluster.ConnectAsync();

        var e = await Assert.ThrowsAnyAsync<GrainCallException>(() => client.GetGrain<IUnregisteredGrain>("x").GetAsync());

        Assert.Contains("test-unregistered", e.Message);
    }

    [Fact]
    public async Task Unknown_method_is_a_clear_error()
    {
        using var transport = new Http2MessageTransport();
        var gateway = new SiloAddress("127.0.0.1", Cluster.Options[0].SiloPort, 0, "");
        var request = new GrainRequest
        {
            Id = 1,
            GrainType = "test-where",
            GrainKey = "k",
            InterfaceName = typeof(IWhereGrain).FullName,
            Method = "NoSuchMethod",
            DeadlineUnixMs = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds(),
        };

        var response = await transport.SendAsync(gateway, request, CancellationToken.None);

        Assert.Equal(GrainResponse.Types.Status.UnknownMethod, response.Status);
        Assert.Contains("NoSuchMethod", response.Message);
    }

    [Fact]
    public async Task A_throwing_grain_method_surfaces_its_exception_type_and_message()
    {
        using var client = await Cluster.ConnectAsync();

        var e = await Assert.ThrowsAsync<GrainMethodException>(() => client.GetGrain<IWhereGrain>("thrower").FailAsync("boom 42"));

        Assert.Contains("InvalidOperationException", e.ExceptionType);
        Assert.Equal("boom 42", e.ExceptionMessage);
    }

    [Fact]
    public async Task Health_endpoints_answer_http1_and_grpc_health_answers_on_the_silo_port()
    {
        using var http = new HttpClient();
        var node = Cluster.Options[2];

        var healthz = await http.GetAsync($"http://127.0.0.1:{node.HealthPort}/healthz");
        var readyz = await http.GetStringAsync($"http://127.0.0.1:{node.HealthPort}/readyz");
        using var transport = new Http2MessageTransport();
        var health = await transport.CallAsync(new SiloAddress("127.0.0.1", node.SiloPort, 0, ""), SiloRpcMethods.HealthCheck,
            new HealthCheckRequest(), HealthCheckResponse.Parser, DateTimeOffset.UtcNow.AddSeconds(10), CancellationToken.None);

        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.StartsWith($"ready {node.NodeName}@", readyz);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
    }

    [Fact]
    public async Task Every_silo_sees_all_three_members_active_with_activation_counts()
    {
        using var client = await Cluster.ConnectAsync();
        await client.GetGrain<INodeMemoryGrain>(Cluster.Options[0].NodeName).GetUsageAsync();

        var members = await client.GetMembersAsync();

        Assert.Equal(Cluster.Options.Select(o => o.NodeName).Order(), members.Select(m => m.NodeName).Order());
        Assert.All(members, m => Assert.Equal("Active", m.Status));
        Assert.All(members, m => Assert.True(m.Generation > 0));
        Assert.True(members.Single(m => m.NodeName == Cluster.Options[0].NodeName).ActivationCount >= 1);
    }

    [Fact]
    public async Task Cli_list_prints_members_as_table_and_json()
    {
        var gateway = Cluster.Gateways[0];

        var table = await CliRunner.RunAsync("list", "--gateway", gateway);
        var json = await CliRunner.RunAsync("list", "--gateway", gateway, "-o", "json");

        Assert.True(table.ExitCode == 0, table.Stderr);
        foreach (var node in Cluster.Options)
            Assert.Contains(node.NodeName, table.Stdout);
        Assert.Contains("Active", table.Stdout);
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var doc = JsonDocument.Parse(json.Stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(Cluster.Options.Select(o => o.NodeName).Order(), rows.Select(r => r.GetProperty("nodeName").GetString()!).Order());
        Assert.All(rows, r => Assert.Equal("Active", r.GetProperty("status").GetString()));
        Assert.All(rows, r => Assert.True(r.GetProperty("generation").GetInt64() > 0));
    }

    [Fact]
    public async Task Cli_usage_prints_each_nodes_pool_as_table_and_json()
    {
        var gateways = Cluster.Gateways.SelectMany(g => new[] { "--gateway", g }).ToArray();

        var table = await CliRunner.RunAsync(["usage", .. gateways]);
        var json = await CliRunner.RunAsync(["usage", .. gateways, "-o", "json"]);

        Assert.True(table.ExitCode == 0, table.Stdout + table.Stderr);
        foreach (var node in Cluster.Options)
            Assert.Contains(node.NodeName, table.Stdout);
        Assert.Contains("32.0 MiB", table.Stdout);
        Assert.True(json.ExitCode == 0, json.Stderr);
        using var doc = JsonDocument.Parse(json.Stdout);
        var rows = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.All(rows, r => Assert.Equal(32UL << 20, r.GetProperty("capacityBytes").GetUInt64()));
        Assert.All(rows, r => Assert.Equal("emulation", r.GetProperty("deviceMode").GetString()));
    }

    [Fact]
    public async Task Cli_against_an_unreachable_cluster_fails_with_one_line_and_exit_code_1()
    {
        var result = await CliRunner.RunAsync("list", "--gateway", $"127.0.0.1:{Transport.TransportTests.FreePort()}");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("mnemo: no gateway answered", result.Stderr);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }
}
