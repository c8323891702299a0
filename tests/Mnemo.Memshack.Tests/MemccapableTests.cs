using System.Text.RegularExpressions;
using Mnemo.Memshack.Tests.Infrastructure;

namespace Mnemo.Memshack.Tests;

/// <summary>libmemcached's conformance suite against the gateway over a 3-shard Ch3 store.</summary>
public sealed partial class MemccapableTests
{
    [Theory]
    [InlineData("-a", "ascii")]
    [InlineData("-b", "binary")]
    public async Task Every_memccapable_test_passes(string protocolFlag, string prefix)
    {
        string memccapable = ExternalTools.Require("memccapable", "libmemcached-tools");
        await using GatewayServer gateway = await GatewayServer.StartAsync(shards: 3);

        (int exitCode, string output) = await ExternalTools.RunAsync(memccapable, $"-h 127.0.0.1 -p {gateway.Port} -t 10 {protocolFlag}", TimeSpan.FromMinutes(3));

        MatchCollection results = ResultLine().Matches(output);
        Assert.True(results.Count >= 20, $"too few test results from memccapable:\n{output}");
        Assert.All(results, r => Assert.StartsWith(prefix, r.Groups["name"].Value));
        string[] failed = results.Where(r => r.Groups["result"].Value != "pass").Select(r => r.Value).ToArray();
        Assert.True(failed.Length == 0, "memccapable failures:\n" + string.Join('\n', failed) + "\n\n" + output);
        Assert.Contains("All tests passed", output);
        Assert.Equal(0, exitCode);
    }

    [GeneratedRegex(@"^(?<name>(ascii|binary) [\w ]+?)\s+\[(?<result>\w+)\]", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}
