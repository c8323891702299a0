using System.Diagnostics;
using Mnemo.Tests.Shared;

namespace Mnemo.Memshack.Tests.Infrastructure;

/// <summary>
/// A real memcached 1.6 configured as the gateway presents itself in <c>stats</c>: no LRU crawler, no
/// segmented LRU maintainer, no slab mover, cache dumps refused (<c>-X</c>). Its stats replies are the
/// reference the gateway's are compared with.
/// </summary>
public sealed class LikeConfiguredMemcached : IDisposable
{
    private readonly Process _process;

    private LikeConfiguredMemcached(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<LikeConfiguredMemcached> StartAsync()
    {
        string memcached = ExternalTools.Require("memcached", "memcached");
        int port = ExternalTools.FreePort();
        string user = Environment.UserName == "root" ? "-u root " : "";
        var start = new ProcessStartInfo(memcached,
            $"{user}-p {port} -l 127.0.0.1 -U 0 -m 64 -t 2 -X -o no_lru_crawler,no_lru_maintainer,no_slab_reassign")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process = Process.Start(start)!;
        var server = new LikeConfiguredMemcached(process, port);
        try
        {
            await MemcachedProcess.WaitForPortAsync(port, process);
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return server;
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
