using System.Text.Json;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// The built <c>mnemo</c> binary against real silo processes: memshack, cache, route and version as tables, JSON
/// (field names are the table headers in camelCase) and YAML, their exit codes, and the CLI run as a kubectl plugin.
/// </summary>
public sealed class CliCommandTests(GrpcClusterFixture fixture) : IClassFixture<GrpcClusterFixture>
{
    private TestCluster Cluster => fixture.Cluster;

    private string[] Grpc => [.. Enumerable.Range(0, Cluster.Settings.Length).SelectMany(i => new[] { "--grpc", $"127.0.0.1:{Cluster.Settings[i].Grpc.Port}" })];

    [Fact]
    public async Task Memshack_list_and_describe_print_tables_json_and_yaml_with_the_same_fields()
    {
        var environment = new Dictionary<string, string>
        {
            ["MNEMO_GRPC"] = string.Join(",", Enumerable.Range(0, 3).Select(i => $"127.0.0.1:{Cluster.Settings[i].Grpc.Port}")),
        };

        CliRunner.Result table = await CliRunner.MnemoAsync(environment, "memshack", "list");
        CliRunner.Result json = await CliRunner.MnemoAsync(environment, "memshack", "list", "-o", "json");
        CliRunner.Result yaml = await CliRunner.MnemoAsync(environment, "memshack", "list", "-o", "yaml");
        CliRunner.Result describe = await CliRunner.MnemoAsync(environment, "memshack", "describe", "strict");
        CliRunner.Result describeJson = await CliRunner.MnemoAsync(environment, "memshack", "describe", "default/strict", "-o", "json");

        Assert.True(table.ExitCode == 0, table.Stderr);
        Assert.Contains("default/strict", table.Stdout);
        using JsonDocument list = JsonDocument.Parse(json.Stdout);
        JsonElement strict = list.RootElement.EnumerateArray().Single(m => m.GetProperty("memshack").GetString() == "default/strict");
        Assert.Equal(3, strict.GetProperty("shards").GetInt32());
        Assert.Equal(2, strict.GetProperty("replicas").GetInt32());
        AssertFieldsAreHeaders(table.Stdout, strict);
        Assert.True(yaml.ExitCode == 0, yaml.Stderr);
        Assert.Contains("- memshack: default/strict", yaml.Stdout);
        Assert.Contains("  shards: 3", yaml.Stdout);

        Assert.True(describe.ExitCode == 0, describe.Stderr);
        using JsonDocument map = JsonDocument.Parse(describeJson.Stdout);
        var replicas = map.RootElement.EnumerateArray().ToList();
        Assert.Equal(6, replicas.Count);
        Assert.Equal([0, 1, 2], replicas.Select(r => r.GetProperty("shard").GetInt32()).Distinct().Order());
        Assert.All(replicas, r => Assert.StartsWith("node-", r.GetProperty("node").GetString()));
        Assert.All(replicas, r => Assert.True(r.GetProperty("inSync").GetBoolean()));
        AssertFieldsAreHeaders(describe.Stdout, replicas[0]);

        CliRunner.Result missing = await CliRunner.MnemoAsync(environment, "memshack", "describe", "nonexistent");
        Assert.Equal(2, missing.ExitCode);
        Assert.StartsWith("mnemo: ", missing.Stderr);
    }

    [Fact]
    public async Task Cache_set_get_delete_agree_with_the_memcached_gateway_and_exit_2_on_a_miss()
    {
        string key = $"cli:{Guid.NewGuid():N}";

        CliRunner.Result set = await CliRunner.MnemoAsync(["cache", "set", "strict", key, "from the cli", "--flags", "5", .. Grpc, "-o", "json"]);
        CliRunner.Result get = await CliRunner.MnemoAsync(["cache", "get", "strict", key, .. Grpc]);
        CliRunner.Result getJson = await CliRunner.MnemoAsync(["cache", "get", "strict", key, .. Grpc, "-o", "json"]);

        Assert.True(set.ExitCode == 0, set.Stderr);
        using JsonDocument stored = JsonDocument.Parse(set.Stdout);
        ulong cas = stored.RootElement.GetProperty("cas").GetUInt64();
        Assert.True(get.ExitCode == 0, get.Stderr);
        Assert.Contains("from the cli", get.Stdout);
        using JsonDocument read = JsonDocument.Parse(getJson.Stdout);
        Assert.Equal("from the cli", read.RootElement.GetProperty("value").GetString());
        Assert.Equal(5u, read.RootElement.GetProperty("flags").GetUInt32());
        Assert.Equal(cas, read.RootElement.GetProperty("cas").GetUInt64());
        AssertFieldsAreHeaders(get.Stdout, read.RootElement);
        await using (MemcachedTextClient memcached = await MemcachedTextClient.ConnectAsync(fixture.Memshacks.GatewayPort(MemshackCluster.Strict, 1)))
            Assert.Equal("from the cli", await memcached.GetAsync(key));

        CliRunner.Result delete = await CliRunner.MnemoAsync(["cache", "delete", "strict", key, .. Grpc]);
        CliRunner.Result deleteAgain = await CliRunner.MnemoAsync(["cache", "delete", "strict", key, .. Grpc]);
        CliRunner.Result miss = await CliRunner.MnemoAsync(["cache", "get", "strict", key, .. Grpc]);

        Assert.True(delete.ExitCode == 0, delete.Stderr);
        Assert.Equal(2, deleteAgain.ExitCode);
        Assert.Equal(2, miss.ExitCode);
        Assert.Equal("", miss.Stdout);
        Assert.Contains("not found", miss.Stderr);
    }

    [Fact]
    public async Task Route_answers_as_the_gateways_mcrouter_route()
    {
        await using MemcachedTextClient memcached = await MemcachedTextClient.ConnectAsync(fixture.Memshacks.GatewayPort(MemshackCluster.Strict, 0));
        foreach (string key in Enumerable.Range(0, 8).Select(i => $"route-{i}"))
        {
            (int shard, string[] replicas) = await memcached.RouteAsync(key);

            CliRunner.Result route = await CliRunner.MnemoAsync(["route", "strict", key, .. Grpc, "-o", "json"]);

            Assert.True(route.ExitCode == 0, route.Stderr);
            using JsonDocument doc = JsonDocument.Parse(route.Stdout);
            Assert.Equal(shard, doc.RootElement.GetProperty("shard").GetInt32());
            Assert.Equal(replicas.Select(r => r.Split('/')[0]), doc.RootElement.GetProperty("replicas").EnumerateArray().Select(r => r.GetString()!));
        }
    }

    [Fact]
    public async Task Version_and_bad_input_exit_codes()
    {
        CliRunner.Result version = await CliRunner.MnemoAsync("version", "-o", "json");
        CliRunner.Result noGrpc = await CliRunner.MnemoAsync("cache", "get", "strict", "k");
        CliRunner.Result help = await CliRunner.MnemoAsync("--help");

        Assert.True(version.ExitCode == 0, version.Stderr);
        using JsonDocument doc = JsonDocument.Parse(version.Stdout);
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("version").GetString()));
        Assert.Equal(1, noGrpc.ExitCode);
        Assert.Contains("MNEMO_GRPC", noGrpc.Stderr);
        Assert.Contains("exit codes", help.Stdout);
    }

    [Fact]
    public async Task Kubectl_runs_the_cli_as_its_mnemo_plugin()
    {
        string bin = Path.Combine(Path.GetDirectoryName(Cluster.Kubeconfig)!, "plugin-bin");
        Directory.CreateDirectory(bin);
        string plugin = Path.Combine(bin, "kubectl-mnemo");
        File.Delete(plugin);
        File.CreateSymbolicLink(plugin, CliRunner.MnemoExecutable);
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["MNEMO_CLUSTER_ID"] = Cluster.ClusterId,
        };

        CliRunner.Result plugins = await CliRunner.KubectlPluginAsync(Cluster.Kubeconfig, environment, "plugin", "list");
        CliRunner.Result usage = await CliRunner.KubectlPluginAsync(Cluster.Kubeconfig, environment, "mnemo", "usage", "-o", "json");

        Assert.Contains(plugin, plugins.Stdout);
        Assert.True(usage.ExitCode == 0, usage.Stdout + usage.Stderr);
        using JsonDocument doc = JsonDocument.Parse(usage.Stdout);
        Assert.Equal(Cluster.Settings.Select(s => s.NodeName).Order(), doc.RootElement.EnumerateArray().Select(r => r.GetProperty("node").GetString()!).Order());
        Assert.All(doc.RootElement.EnumerateArray(), r => Assert.Equal("ok", r.GetProperty("status").GetString()));
    }

    /// <summary>Every header of the table's first row of headers, in camelCase, is a field of <paramref name="row"/>.</summary>
    private static void AssertFieldsAreHeaders(string table, JsonElement row)
    {
        string header = table.ReplaceLineEndings("\n").Split('\n').First(l => l.Contains('│') || l.Contains('|'));
        string[] headers = header.Split('│', '|').Select(h => h.Trim()).Where(h => h.Length > 0).ToArray();
        Assert.NotEmpty(headers);
        foreach (string h in headers)
        {
            string[] words = h.ToLowerInvariant().Split(' ');
            string camel = words[0] + string.Concat(words.Skip(1).Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
            Assert.True(row.TryGetProperty(camel, out _), $"no field '{camel}' for header '{h}' in {row}");
        }
    }
}
