using System.Text;
using System.Text.Json;
using Mnemo.Client;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>The SDK and the CLI when a silo is killed: cache calls fail over to the next gRPC endpoint, and
/// <c>mnemo usage</c> shows the node as unreachable with the reason below its table.</summary>
public sealed class KilledNodeClientTests(KilledNodeFixture fixture) : IClassFixture<KilledNodeFixture>
{
    // Quorum "one": writes succeed with a replica down.
    private const string Memshack = MemshackCluster.Lenient;

    [Fact]
    public async Task Cache_calls_fail_over_when_the_first_endpoints_silo_is_killed()
    {
        await using MnemoClient client = MnemoClient.Create(new MnemoClientOptions
        {
            GrpcEndpoints = [.. Enumerable.Range(0, 3).Select(i => fixture.Cluster.GrpcAddress(i).ToString())],
            CacheCallTimeout = TimeSpan.FromSeconds(10),
        });
        string[] keys = Enumerable.Range(0, 20).Select(i => $"failover:{i}:{Guid.NewGuid():N}").ToArray();
        foreach (string key in keys.Take(10))
            await client.SetAsync(Memshack, key, key);

        await fixture.KillNode0Async();

        foreach (string key in keys.Skip(10))
            await client.SetAsync(Memshack, key, key);
        foreach (string key in keys)
        {
            CacheLookup read = await client.GetAsync(Memshack, key);
            Assert.True(read.IsHit, key);
            Assert.Equal(key, Encoding.UTF8.GetString(read.Item!.Value));
        }
    }

    [Fact]
    public async Task Usage_shows_a_killed_node_as_unreachable_with_the_reason_under_the_table()
    {
        await fixture.KillNode0Async();
        string[] connection = [.. fixture.Cluster.Gateways.SelectMany(g => new[] { "--gateway", g }), "--cluster-id", fixture.Cluster.ClusterId];
        var terminal = new Dictionary<string, string> { ["TERM"] = "xterm-256color", ["COLORTERM"] = "truecolor" };

        CliRunner.Result table = await CliRunner.MnemoAsync(terminal, ["usage", .. connection]);
        CliRunner.Result json = await CliRunner.MnemoAsync(terminal, ["usage", .. connection, "-o", "json"]);

        Assert.True(table.ExitCode == 4, table.Stdout + table.Stderr);
        Assert.DoesNotContain('\u001b', table.Stdout + table.Stderr);
        string[] lines = table.Stdout.ReplaceLineEndings("\n").Split('\n');
        // The node table ends at its bottom border; the reasons follow it.
        int bottom = Array.FindIndex(lines, l => l.TrimStart().StartsWith('└'));
        Assert.True(bottom > 0, table.Stdout);
        int width = lines[..(bottom + 1)].Max(l => l.Length);
        string node0Row = Assert.Single(lines[..bottom], l => l.Contains("node-0", StringComparison.Ordinal));
        Assert.Contains("unreachable", node0Row);
        string[] details = lines[(bottom + 1)..].TakeWhile(l => l.Length > 0 && !l.TrimStart().StartsWith('┌')).ToArray();
        Assert.StartsWith("node-0: ", details[0]);
        Assert.All(details, l => Assert.InRange(l.Length, 1, width));
        Assert.All(lines[..bottom].Where(l => l.Contains("node-1", StringComparison.Ordinal) || l.Contains("node-2", StringComparison.Ordinal)),
            l => Assert.Contains(" ok ", l));

        Assert.Equal(4, json.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(json.Stdout);
        JsonElement node0 = doc.RootElement.EnumerateArray().Single(r => r.GetProperty("node").GetString() == "node-0");
        Assert.Equal("unreachable", node0.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(node0.GetProperty("error").GetString()));
        Assert.All(doc.RootElement.EnumerateArray().Where(r => r.GetProperty("node").GetString() != "node-0"),
            r => Assert.Equal("ok", r.GetProperty("status").GetString()));
    }
}
