using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mnemo.GatewayBench;

/// <summary>The load both modes share: memcaslap, 90% get / 10% set, run in alternating rounds against
/// memcached and a Mnemo gateway; prints each round and the medians as <c>key value unit</c> lines.</summary>
internal sealed partial class Memcaslap : IDisposable
{
    private readonly string _config;
    private readonly int _duration, _concurrency, _threads;

    private Memcaslap(string config, int rounds, int duration, int concurrency, int threads)
    {
        _config = config;
        Rounds = rounds;
        _duration = duration;
        _concurrency = concurrency;
        _threads = threads;
    }

    private const int WarmUpSeconds = 3;

    public int Rounds { get; }

    public string Describe => $"memcaslap: {WarmUpSeconds} s warm-up, then {Rounds} rounds x {_duration} s per server, alternating; concurrency {_concurrency}, threads {_threads}, 90% get / 10% set";

    public static async Task<Memcaslap> CreateAsync(BenchArguments arguments)
    {
        int valueSize = arguments.Int("value-size", 512);
        string config = Path.Combine(Path.GetTempPath(), $"gatewaybench-{Environment.ProcessId}.cfg");
        await File.WriteAllTextAsync(config, $"""
            key
            16 64 1
            value
            {valueSize} {valueSize} 1
            cmd
            0 0.1
            1 0.9

            """);
        return new Memcaslap(config, arguments.Int("rounds", 3), arguments.Int("duration", 10), arguments.Int("concurrency", 16), arguments.Int("threads", 2));
    }

    /// <summary>Alternating rounds and medians: other load on the machine then hits both servers alike.
    /// Returns the median ops/s of the gateway and of memcached.</summary>
    public async Task<(double Gateway, double Memcached)> CompareAsync(int memcachedPort, int gatewayPort, string gatewayName)
    {
        // Untimed warm-up of each server: the gateway's code is compiled and re-compiled by tiered JIT
        // in its first seconds under load, which memcached (native code) does not need.
        await RunAsync(memcachedPort, WarmUpSeconds);
        await RunAsync(gatewayPort, WarmUpSeconds);
        var memcachedRuns = new List<double>();
        var gatewayRuns = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            memcachedRuns.Add(await RunAsync(memcachedPort));
            gatewayRuns.Add(await RunAsync(gatewayPort));
            Console.WriteLine(FormattableString.Invariant($"round_{round + 1} memcached {memcachedRuns[^1]:F0} {gatewayName} {gatewayRuns[^1]:F0} ops/s"));
        }
        double memcachedOps = Median(memcachedRuns), gatewayOps = Median(gatewayRuns);
        Console.WriteLine(FormattableString.Invariant($"memcached_ops_per_sec {memcachedOps:F0} ops/s"));
        Console.WriteLine(FormattableString.Invariant($"{gatewayName}_ops_per_sec {gatewayOps:F0} ops/s"));
        Console.WriteLine(FormattableString.Invariant($"{gatewayName}_vs_memcached {gatewayOps / memcachedOps:F2} x"));
        return (gatewayOps, memcachedOps);
    }

    /// <summary>Starts a memcached 1.6 on a free loopback port with the same worker threads as the load generator.</summary>
    public Process StartMemcached(int port)
    {
        string user = Environment.UserName == "root" ? "-u root " : "";
        return ChildProcess.Start("memcached", $"{user}-p {port} -l 127.0.0.1 -U 0 -m 1024 -t {_threads}");
    }

    private async Task<double> RunAsync(int port) => await RunAsync(port, _duration);

    private async Task<double> RunAsync(int port, int seconds)
    {
        using Process memcaslap = ChildProcess.Start("memcaslap", $"-s 127.0.0.1:{port} -F {_config} -t {seconds}s -c {_concurrency} -T {_threads}");
        string output = await memcaslap.StandardOutput.ReadToEndAsync();
        await memcaslap.WaitForExitAsync();
        // The last "TPS:" figure is the whole run's.
        MatchCollection tps = Tps().Matches(output);
        if (tps.Count == 0)
        {
            throw new InvalidOperationException("memcaslap printed no TPS figure:\n" + output + await memcaslap.StandardError.ReadToEndAsync());
        }
        return double.Parse(tps[^1].Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static double Median(List<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public void Dispose() => File.Delete(_config);

    [GeneratedRegex(@"TPS:\s*(\d+)")]
    private static partial Regex Tps();
}
