using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mnemo.NativeEngine;

namespace Mnemo.EngineBench;

/// <summary>
/// Memory per item for the same items (keys "key:%010u", 100-byte values) held by a memcached 1.6
/// this bench starts and by a Mnemo pool. Both sides are counted the same way: slab pages in use
/// plus the hash index (memcached: total_malloced + hash_bytes; Mnemo: slab pages x page size +
/// index_bytes), divided by the items held.
/// </summary>
internal static class MemoryPerItem
{
    private const ulong SlabPageSize = 1024 * 1024;

    public sealed record Result(double MemcachedBytesPerItem, double MnemoBytesPerItem, long MemcachedItems, long MnemoItems);

    public static Result Run(int items, string scratchFolder)
    {
        double mnemo = MeasureMnemo(items, scratchFolder, out long mnemoItems);
        double memcached = MeasureMemcached(items, out long memcachedItems);
        return new Result(memcached, mnemo, memcachedItems, mnemoItems);
    }

    private static double MeasureMnemo(int items, string scratchFolder, out long held)
    {
        string path = Path.Combine(scratchFolder, "memory.pool");
        try
        {
            using EnginePool pool = EnginePool.Open(new PoolOptions
            {
                Path = path,
                Capacity = (ulong)items * 400 + (256UL << 20),
                Create = true,
            });
            Region region = pool.CreateRegion("memory");
            Span<byte> key = stackalloc byte[BenchSettings.KeyLength];
            Span<byte> value = stackalloc byte[BenchSettings.ValueLength];
            value.Fill((byte)'v');
            for (int i = 0; i < items; i++)
            {
                BindingBench.FormatKey(key, i);
                if (pool.Store(region, StoreMode.Set, key, value, 0, 0, out _) != EngineStatus.Ok)
                {
                    throw new InvalidOperationException($"mnemo set #{i} failed");
                }
            }
            PoolStats stats = pool.GetStats();
            ulong pages = 0;
            foreach (SlabStats slab in pool.GetSlabStats())
            {
                pages += slab.Pages;
            }
            held = (long)stats.Items;
            return (double)(pages * SlabPageSize + stats.IndexBytes) / stats.Items;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double MeasureMemcached(int items, out long held)
    {
        int port = FreePort();
        int megabytes = (int)Math.Max(64, (long)items * 400 / (1024 * 1024) + 64);
        var start = new ProcessStartInfo("memcached")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { "-l", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-U", "0", "-m", megabytes.ToString(CultureInfo.InvariantCulture), "-t", "1" })
        {
            start.ArgumentList.Add(argument);
        }
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("root"); // memcached refuses to run as root without naming the user
        }

        using Process memcached = Process.Start(start)
            ?? throw new InvalidOperationException("cannot start memcached (install the memcached package)");
        try
        {
            using var client = Connect(port);
            using NetworkStream stream = client.GetStream();
            Load(stream, items);
            Dictionary<string, string> stats = Stats(stream, "stats");
            held = long.Parse(stats["curr_items"], CultureInfo.InvariantCulture);
            long malloced = long.Parse(Stats(stream, "stats slabs")["total_malloced"], CultureInfo.InvariantCulture);
            long hash = long.Parse(stats["hash_bytes"], CultureInfo.InvariantCulture);
            return (double)(malloced + hash) / held;
        }
        finally
        {
            memcached.Kill();
            memcached.WaitForExit();
        }
    }

    /// <summary>Pipelined noreply sets in batches, then one plain command to know they all landed.</summary>
    private static void Load(NetworkStream stream, int items)
    {
        string value = new('v', BenchSettings.ValueLength);
        var batch = new StringBuilder();
        Span<byte> key = stackalloc byte[BenchSettings.KeyLength];
        for (int i = 0; i < items; i++)
        {
            BindingBench.FormatKey(key, i);
            batch.Append("set ").Append(Encoding.ASCII.GetString(key)).Append(" 0 0 ")
                .Append(BenchSettings.ValueLength).Append(" noreply\r\n").Append(value).Append("\r\n");
            if (batch.Length > 64 * 1024 || i == items - 1)
            {
                stream.Write(Encoding.ASCII.GetBytes(batch.ToString()));
                batch.Clear();
            }
        }
        Stats(stream, "stats");
    }

    private static Dictionary<string, string> Stats(NetworkStream stream, string command)
    {
        stream.Write(Encoding.ASCII.GetBytes(command + "\r\n"));
        var stats = new Dictionary<string, string>(StringComparer.Ordinal);
        var reader = new StreamReader(stream, Encoding.ASCII, false, 4096, leaveOpen: true);
        for (string? line = reader.ReadLine(); line is not null && line != "END"; line = reader.ReadLine())
        {
            string[] parts = line.Split(' ');
            if (parts.Length == 3 && parts[0] == "STAT")
            {
                stats[parts[1]] = parts[2];
            }
        }
        return stats;
    }

    private static TcpClient Connect(int port)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new TcpClient("127.0.0.1", port);
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10))
            {
                Thread.Sleep(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
