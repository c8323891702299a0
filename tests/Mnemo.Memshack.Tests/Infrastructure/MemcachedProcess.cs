using System.Diagnostics;
using System.Net.Sockets;
using Mnemo.Tests.Shared;

namespace Mnemo.Memshack.Tests;

/// <summary>A real memcached 1.6 on a free loopback port, the reference the gateway is compared with.</summary>
public sealed class MemcachedProcess : IDisposable
{
    private readonly Process _process;

    private MemcachedProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>
    /// Options of a memcached configured as the gateway presents itself in <c>stats</c>: no LRU crawler,
    /// no segmented LRU maintainer, no slab mover, cache dumps refused (<c>-X</c>). Its stats replies are
    /// the reference the gateway's are compared with.
    /// </summary>
    public const string LikeGateway = "-X -o no_lru_crawler,no_lru_maintainer,no_slab_reassign";

    public static async Task<MemcachedProcess> StartAsync(int memoryMegabytes = 64, int threads = 4, string options = "")
    {
        string memcached = ExternalTools.Require("memcached", "memcached");
        int port = ExternalTools.FreePort();
        // memcached refuses to run as root unless told which user to stay.
        string user = Environment.UserName == "root" ? "-u root " : "";
        var start = new ProcessStartInfo(memcached, $"{user}-p {port} -l 127.0.0.1 -U 0 -m {memoryMegabytes} -t {threads} {options}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process = Process.Start(start)!;
        var server = new MemcachedProcess(process, port);
        try
        {
            await WaitForPortAsync(port, process);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
    }

    public static async Task WaitForPortAsync(int port, Process? process = null)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && process is not { HasExited: true })
            {
                await Task.Delay(50);
            }
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
