using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Mnemo.GatewayBench;

/// <summary>memcaslap (90% get, 10% set) against memcached and against the gateway (a child process), in alternating rounds.</summary>
internal static partial class CompareMode
{
    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        int duration = arguments.Int("duration", 10);
        int concurrency = arguments.Int("concurrency", 16);
        int threads = arguments.Int("threads", 2);
        int valueSize = arguments.Int("value-size", 512);
        int shards = arguments.Int("shards", 1);

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
        int rounds = arguments.Int("rounds", 3);
        string user = Environment.UserName == "root" ? "-u root " : "";
        int memcachedPort = FreePort();
        int gatewayPort = FreePort();
        string pool = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"gatewaybench-{Environment.ProcessId}.pool");
        Process? memcached = null;
        Process? gateway = null;
        try
        {
            Console.WriteLine($"memcaslap: {rounds} rounds x {duration} s per server, alternating; concurrency {concurrency}, threads {threads}, 90% get / 10% set, values {valueSize} B, gateway shards {shards}");
            memcached = Start("memcached", $"{user}-p {memcachedPort} -l 127.0.0.1 -U 0 -m 1024 -t {threads}");
            gateway = Start(Environment.ProcessPath!, $"serve --port {gatewayPort} --pool {pool} --capacity-mb 1024 --shards {shards}", redirectInput: true,
                // Socket completions on the epoll thread: the deployment setting for a latency-bound data plane.
                environment: new() { ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1" });
            await WaitForPortAsync(memcachedPort);
            await WaitForPortAsync(gatewayPort);

            // Alternating rounds and medians: other load on the machine then hits both servers alike.
            var memcachedRuns = new List<double>();
            var gatewayRuns = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                memcachedRuns.Add(await RunMemcaslapAsync(memcachedPort, config, duration, concurrency, threads));
                gatewayRuns.Add(await RunMemcaslapAsync(gatewayPort, config, duration, concurrency, threads));
                Console.WriteLine(FormattableString.Invariant($"round_{round + 1} memcached {memcachedRuns[^1]:F0} gateway {gatewayRuns[^1]:F0} ops/s"));
            }
            double memcachedOps = Median(memcachedRuns);
            double gatewayOps = Median(gatewayRuns);
            double ratio = gatewayOps / memcachedOps;
            Console.WriteLine(FormattableString.Invariant($"memcached_ops_per_sec {memcachedOps:F0} ops/s"));
            Console.WriteLine(FormattableString.Invariant($"gateway_ops_per_sec {gatewayOps:F0} ops/s"));
            Console.WriteLine(FormattableString.Invariant($"gateway_vs_memcached {ratio:F2} x"));
            Console.WriteLine(FormattableString.Invariant($"summary: gateway {gatewayOps:F0} ops/s = {ratio:F2}x memcached 1.6 ({memcachedOps:F0} ops/s), medians of {rounds} rounds; target >= 0.80x: {(ratio >= 0.8 ? "met" : "NOT met")}"));
            return 0;
        }
        finally
        {
            memcached?.Kill();
            if (gateway is not null)
            {
                gateway.StandardInput.Close();
                if (!gateway.WaitForExit(10_000))
                {
                    gateway.Kill();
                }
            }
            File.Delete(config);
            File.Delete(pool);
        }
    }

    private static double Median(List<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static async Task<double> RunMemcaslapAsync(int port, string config, int duration, int concurrency, int threads)
    {
        using Process memcaslap = Start("memcaslap", $"-s 127.0.0.1:{port} -F {config} -t {duration}s -c {concurrency} -T {threads}");
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

    private static Process Start(string program, string arguments, bool redirectInput = false, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
        };
        foreach ((string name, string value) in environment ?? [])
        {
            start.Environment[name] = value;
        }
        return Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task WaitForPortAsync(int port)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [GeneratedRegex(@"TPS:\s*(\d+)")]
    private static partial Regex Tps();
}
