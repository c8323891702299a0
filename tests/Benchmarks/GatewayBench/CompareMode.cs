using System.Diagnostics;

namespace Mnemo.GatewayBench;

/// <summary>memcaslap (90% get, 10% set) against memcached and against the gateway (a child process over one engine pool), in alternating rounds.</summary>
internal static class CompareMode
{
    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        int shards = arguments.Int("shards", 1);
        using Memcaslap load = await Memcaslap.CreateAsync(arguments);
        int[] ports = ChildProcess.FreePorts(2);
        int memcachedPort = ports[0], gatewayPort = ports[1];
        string pool = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"gatewaybench-{Environment.ProcessId}.pool");
        Process? memcached = null;
        Process? gateway = null;
        try
        {
            Console.WriteLine($"{load.Describe}, values {arguments.Int("value-size", 512)} B, gateway shards {shards}");
            memcached = load.StartMemcached(memcachedPort);
            gateway = ChildProcess.Start(Environment.ProcessPath!, $"serve --port {gatewayPort} --pool {pool} --capacity-mb 1024 --shards {shards}", redirectInput: true,
                // Socket completions on the epoll thread: the deployment setting for a latency-bound data plane.
                environment: new() { ["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1" });
            await ChildProcess.WaitForPortAsync(memcachedPort);
            await ChildProcess.WaitForPortAsync(gatewayPort);

            (double gatewayOps, double memcachedOps) = await load.CompareAsync(memcachedPort, gatewayPort, "gateway");
            double ratio = gatewayOps / memcachedOps;
            Console.WriteLine(FormattableString.Invariant($"summary: gateway {gatewayOps:F0} ops/s = {ratio:F2}x memcached 1.6 ({memcachedOps:F0} ops/s), medians of {load.Rounds} rounds; target >= 0.80x: {(ratio >= 0.8 ? "met" : "NOT met")}"));
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
            File.Delete(pool);
        }
    }
}
