using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mnemo.Client;
using Mnemo.Runtime.Messages.Health;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Transport;
using Mnemo.Silo.Hosting;

namespace Mnemo.RuntimeBench;

/// <summary>Grain calls over HTTP/2 between processes: this program (a cluster client) calls two silo
/// processes on loopback. Baseline: a bare unary h2c request/response (the silo's gRPC health check:
/// same Kestrel server, framing, HttpClient settings and connection) with no grain runtime behind it.</summary>
internal static class RemoteCallBenchmark
{
    private const int Concurrency = 16;

    public static async Task RunAsync(int iterations)
    {
        // Each remote call costs ~0.2 ms or more: cap the count so the section stays well under a minute.
        var calls = Math.Min(iterations, 4_000);
        var stateDir = Path.Combine(Path.GetTempPath(), $"mnemo-runtimebench-{Environment.ProcessId}");
        var ports = FreePorts(4);
        SiloOptions Node(int i) => new()
        {
            NodeName = $"bench-{i}",
            SiloPort = ports[i],
            HealthPort = ports[2 + i],
            Peers = [$"127.0.0.1:{ports[1 - i]}"],
            StateDir = Path.Combine(stateDir, $"bench-{i}"),
            PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(stateDir, $"bench-{i}"),
            PoolCapacity = 16UL << 20,
            GrainAssemblies = [typeof(RemoteBenchGrain).Assembly.Location],
        };
        SiloProcess[] silos = [SiloProcess.Start(Node(0), _ => { }), SiloProcess.Start(Node(1), _ => { })];
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(60))));
            var gateway = new SiloAddress("127.0.0.1", ports[0], 0, "bench-0");
            using var client = await ClusterClient.ConnectAsync(new ClusterClientOptions { Gateways = [gateway.Endpoint] });
            await WaitForBothActiveAsync(client);
            using var transport = new Http2MessageTransport();

            var local = await FindGrainOnAsync(client, "bench-0");
            var forwarded = await FindGrainOnAsync(client, "bench-1");
            Func<Task> bare = () => transport.CallAsync(gateway, SiloRpcMethods.HealthCheck, new HealthCheckRequest(),
                HealthCheckResponse.Parser, DateTimeOffset.UtcNow.AddSeconds(30), CancellationToken.None);
            Func<Task> oneHop = () => local.Echo(1);
            Func<Task> twoHops = () => forwarded.Echo(1);

            Console.WriteLine($"remote grain calls, client process -> silo processes on loopback h2c ({calls:N0} calls per row, {Concurrency} callers for the concurrent figure)");
            Console.WriteLine($"  {"",-56} {"p50 µs",8} {"p99 µs",8} {"seq/s",8} {"conc/s",8} {"p50 ratio",9}");
            var figures = await MeasureAsync(
                [("bare h2c unary (gRPC health check), baseline", bare),
                 ("grain call, grain on the gateway silo (1 hop)", oneHop),
                 ("grain call, gateway forwards to the other silo (2 hops)", twoHops)],
                calls);
            foreach (var f in figures)
                Print(f, f == figures[0] ? null : figures[0]);
        }
        finally
        {
            await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(15))));
            foreach (var silo in silos)
            {
                silo.Dispose();
                File.Delete(silo.Options.PoolPath);
            }
            if (Directory.Exists(stateDir))
                Directory.Delete(stateDir, recursive: true);
        }
    }

    private sealed record Figures(string Name, double P50Us, double P99Us, double SequentialPerSecond, double ConcurrentPerSecond);

    /// <summary>Sequential latencies are taken in interleaved blocks so that background load on the
    /// machine spreads evenly over the cases instead of favouring whichever ran last.</summary>
    private static async Task<Figures[]> MeasureAsync((string Name, Func<Task> Call)[] cases, int calls)
    {
        foreach (var (_, call) in cases)
        {
            for (var i = 0; i < Math.Max(200, calls / 10); i++)
                await call();
        }

        const int block = 250;
        var latencies = cases.Select(_ => new List<long>(calls)).ToArray();
        var elapsed = new long[cases.Length];
        for (var done = 0; done < calls; done += block)
        {
            for (var c = 0; c < cases.Length; c++)
            {
                var blockStart = Stopwatch.GetTimestamp();
                for (var i = done; i < Math.Min(calls, done + block); i++)
                {
                    var start = Stopwatch.GetTimestamp();
                    await cases[c].Call();
                    latencies[c].Add(Stopwatch.GetTimestamp() - start);
                }
                elapsed[c] += Stopwatch.GetTimestamp() - blockStart;
            }
        }

        var figures = new Figures[cases.Length];
        for (var c = 0; c < cases.Length; c++)
        {
            var perCaller = Math.Max(1, 2 * calls / Concurrency);
            var concurrent = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
            {
                for (var i = 0; i < perCaller; i++)
                    await cases[c].Call();
            }));
            var concurrentPerSecond = Concurrency * perCaller / concurrent.Elapsed.TotalSeconds;

            var sorted = latencies[c].Order().ToArray();
            double Percentile(double p) => sorted[(int)Math.Min(sorted.Length - 1, p * sorted.Length)] * 1e6 / Stopwatch.Frequency;
            figures[c] = new Figures(cases[c].Name, Percentile(0.50), Percentile(0.99),
                calls / (elapsed[c] / (double)Stopwatch.Frequency), concurrentPerSecond);
        }
        return figures;
    }

    private static void Print(Figures f, Figures? baseline)
    {
        var ratio = baseline is null ? "" : $"{f.P50Us / baseline.P50Us,8:F2}x";
        Console.WriteLine($"  {f.Name,-56} {f.P50Us,8:F0} {f.P99Us,8:F0} {f.SequentialPerSecond,8:F0} {f.ConcurrentPerSecond,8:F0} {ratio,9}");
    }

    private static async Task<IRemoteBenchGrain> FindGrainOnAsync(ClusterClient client, string node)
    {
        for (var key = 0L; key < 1000; key++)
        {
            var grain = client.GetGrain<IRemoteBenchGrain>(key);
            if (await grain.NodeAsync() == node)
                return grain;
        }
        throw new InvalidOperationException($"no grain key among 1000 was placed on {node}");
    }

    private static async Task WaitForBothActiveAsync(ClusterClient client)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await client.GetMembersAsync()).Count(m => m.Status == "Active") < 2)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the two bench silos did not see each other within 30 s");
            await Task.Delay(100);
        }
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
