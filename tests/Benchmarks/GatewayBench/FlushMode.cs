using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.DataPlane;
using Mnemo.NativeEngine;

namespace Mnemo.GatewayBench;

/// <summary>
/// Get latency across a <c>flush_all</c>: a gateway over one region holding <c>--items</c> items,
/// <c>--concurrency</c> connections getting them in a loop, and a flush_all two seconds in. Prints the
/// p99 and the longest get of the second before the flush and of the second after it.
/// </summary>
internal static class FlushMode
{
    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        int items = arguments.Int("items", 1_000_000);
        int connections = arguments.Int("concurrency", 8);
        byte[] value = new byte[arguments.Int("value-size", 100)];
        Array.Fill(value, (byte)'v');
        string path = Path.Combine("/dev/shm", $"mnemo-flushbench-{Environment.ProcessId}.pool");
        try
        {
            using EnginePool pool = EnginePool.Open(new PoolOptions
            {
                Path = path, Capacity = (ulong)items * (ulong)(value.Length + 300) + (256UL << 20), Create = true,
            });
            Region region = pool.GetOrCreateRegion("shard-0");
            for (int i = 0; i < items; i++)
            {
                pool.Store(region, StoreMode.Set, Key(i), value, 0, 0, out _);
            }
            await using MemcachedGatewayHost host = await MemcachedGateway.StartAsync(new IPEndPoint(IPAddress.Loopback, 0),
                new EngineRegionStore(pool, region, "shard-0"), NullLoggerFactory.Instance);
            int port = host.Endpoint.Port;

            using var stop = new CancellationTokenSource();
            var samples = new List<(long At, long Ticks)>[connections];
            Task[] readers = new Task[connections];
            for (int c = 0; c < connections; c++)
            {
                List<(long, long)> own = samples[c] = [];
                int first = c * (items / connections);
                readers[c] = Task.Factory.StartNew(() => GetLoop(port, first, items, own, stop.Token), TaskCreationOptions.LongRunning);
            }
            await Task.Delay(2000);
            long flushAt = Stopwatch.GetTimestamp();
            using (Socket flusher = Connect(port))
            {
                Call(flusher, "flush_all\r\n"u8, "OK\r\n"u8, new byte[64]);
            }
            double flushUs = Stopwatch.GetElapsedTime(flushAt).TotalMicroseconds;
            await Task.Delay(2000);
            stop.Cancel();
            await Task.WhenAll(readers);

            var all = samples.SelectMany(s => s).ToList();
            Console.WriteLine($"# {items} items, {connections} connections getting them; flush_all after 2 s");
            Console.WriteLine($"flush_all_us_{items} {flushUs:F0} us");
            Report("before", all.Where(s => s.At >= flushAt - Stopwatch.Frequency && s.At < flushAt));
            Report("after", all.Where(s => s.At >= flushAt && s.At < flushAt + Stopwatch.Frequency));
            return 0;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Key(int i) => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"key:{i:D10}"));

    private static Socket Connect(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Connect(IPAddress.Loopback, port);
        return socket;
    }

    /// <summary>Sends a request and reads until the reply ends with <paramref name="end"/>.</summary>
    private static void Call(Socket socket, ReadOnlySpan<byte> request, ReadOnlySpan<byte> end, byte[] buffer)
    {
        socket.Send(request);
        int used = 0;
        while (used < end.Length || !buffer.AsSpan(used - end.Length, end.Length).SequenceEqual(end))
        {
            int read = socket.Receive(buffer, used, buffer.Length - used, SocketFlags.None);
            if (read == 0)
            {
                throw new IOException("the gateway closed the connection");
            }
            used += read;
        }
    }

    private static void GetLoop(int port, int first, int items, List<(long At, long Ticks)> samples, CancellationToken stop)
    {
        using Socket socket = Connect(port);
        byte[] buffer = new byte[4096];
        for (int i = first; !stop.IsCancellationRequested; i = (i + 1) % items)
        {
            byte[] request = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"get key:{i:D10}\r\n"));
            long start = Stopwatch.GetTimestamp();
            Call(socket, request, "END\r\n"u8, buffer);
            samples.Add((start, Stopwatch.GetTimestamp() - start));
        }
    }

    private static void Report(string window, IEnumerable<(long At, long Ticks)> samples)
    {
        double[] us = samples.Select(s => s.Ticks * 1e6 / Stopwatch.Frequency).Order().ToArray();
        if (us.Length == 0)
        {
            Console.WriteLine($"get_count_{window}_flush 0 gets");
            return;
        }
        Console.WriteLine($"get_count_{window}_flush {us.Length} gets");
        Console.WriteLine($"get_p99_us_{window}_flush {us[(int)(us.Length * 0.99)]:F0} us");
        Console.WriteLine($"get_max_us_{window}_flush {us[^1]:F0} us");
    }
}
