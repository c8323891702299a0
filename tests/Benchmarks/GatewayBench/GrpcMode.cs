using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Net.Client;
using Mnemo.Api.V1;

namespace Mnemo.GatewayBench;

/// <summary>
/// Unary <c>mnemo.v1.Cache/Get</c> through node-0's gRPC API beside <c>get</c> through node-0's
/// memcached gateway, on the same keys of the same three-silo cluster, in alternating rounds: the
/// latency of one caller issuing gets back to back (p50, p99) and the throughput of
/// <c>--concurrency</c> callers (memcached: a connection each; gRPC: one channel, HTTP/2 streams).
/// Both routes end in the same store, so the ratio is the cost of the protocol.
/// </summary>
internal static class GrpcMode
{
    private readonly record struct Round(double P50Us, double P99Us, double OpsPerSecond);

    public static async Task<int> RunAsync(BenchArguments arguments)
    {
        int keys = arguments.Int("keys", 1000), valueSize = arguments.Int("value-size", 512), rounds = arguments.Int("rounds", 3);
        int concurrency = arguments.Int("concurrency", 16);
        TimeSpan duration = TimeSpan.FromSeconds(arguments.Int("duration", 5));
        Console.WriteLine($"# {keys} keys of {valueSize} B in Memshack default/{BenchCluster.Memshack} (3 shards x 2 replicas, 3 silos); {rounds} rounds x {duration.TotalSeconds} s per route and load, alternating; 1 caller for latency, {concurrency} for throughput");
        await using BenchCluster cluster = await BenchCluster.StartAsync(arguments);
        try
        {
            byte[][] names = Enumerable.Range(0, keys).Select(i => Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"grpcbench:{i}"))).ToArray();
            await LoadAsync(cluster.GatewayPort, names, valueSize);
            var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
            using GrpcChannel channel = GrpcChannel.ForAddress($"http://127.0.0.1:{cluster.GrpcPort(0)}", new GrpcChannelOptions { HttpHandler = handler });
            var client = new Api.V1.Cache.CacheClient(channel);
            ByteString[] grpcKeys = names.Select(ByteString.CopyFrom).ToArray();
            var memshack = new MemshackName { Namespace = "default", Name = BenchCluster.Memshack };

            Func<Task<Func<int, Task>>> memcached = async () =>
            {
                var connection = await MemcachedConnection.OpenAsync(cluster.GatewayPort);
                return i => connection.GetAsync(names[i % keys]);
            };
            Func<Task<Func<int, Task>>> grpc = () => Task.FromResult<Func<int, Task>>(async i =>
            {
                GetResponse response = await client.GetAsync(new GetRequest { Memshack = memshack, Key = grpcKeys[i % keys] });
                if (response.Item.Value.Length != valueSize)
                    throw new InvalidOperationException("gRPC Get returned a value of the wrong size");
            });
            // Warm-up: connections, JIT, the replica sets' peers.
            await MeasureAsync(memcached, 4, TimeSpan.FromSeconds(2));
            await MeasureAsync(grpc, 4, TimeSpan.FromSeconds(2));

            var results = new Dictionary<string, List<Round>>();
            for (int round = 0; round < rounds; round++)
            {
                foreach ((string name, Func<Task<Func<int, Task>>> route) in new[] { ("memcached", memcached), ("grpc", grpc) })
                {
                    Round latency = await MeasureAsync(route, 1, duration);
                    Round throughput = await MeasureAsync(route, concurrency, duration);
                    results.TryAdd(name, []);
                    results[name].Add(new Round(latency.P50Us, latency.P99Us, throughput.OpsPerSecond));
                }
            }

            Round Median(string name)
            {
                List<Round> all = results[name];
                double M(Func<Round, double> pick) => all.Select(pick).Order().ElementAt(all.Count / 2);
                return new Round(M(r => r.P50Us), M(r => r.P99Us), M(r => r.OpsPerSecond));
            }
            Round m = Median("memcached"), g = Median("grpc");
            Console.WriteLine(FormattableString.Invariant($"memcached_get_p50_us {m.P50Us:F0} us"));
            Console.WriteLine(FormattableString.Invariant($"memcached_get_p99_us {m.P99Us:F0} us"));
            Console.WriteLine(FormattableString.Invariant($"memcached_get_ops_c{concurrency} {m.OpsPerSecond:F0} ops/s"));
            Console.WriteLine(FormattableString.Invariant($"grpc_get_p50_us {g.P50Us:F0} us"));
            Console.WriteLine(FormattableString.Invariant($"grpc_get_p99_us {g.P99Us:F0} us"));
            Console.WriteLine(FormattableString.Invariant($"grpc_get_ops_c{concurrency} {g.OpsPerSecond:F0} ops/s"));
            Console.WriteLine(FormattableString.Invariant($"grpc_vs_memcached_p50 {g.P50Us / m.P50Us:F2} x"));
            Console.WriteLine(FormattableString.Invariant($"grpc_vs_memcached_p99 {g.P99Us / m.P99Us:F2} x"));
            Console.WriteLine(FormattableString.Invariant($"grpc_vs_memcached_ops {g.OpsPerSecond / m.OpsPerSecond:F2} x"));
            Console.WriteLine(FormattableString.Invariant(
                $"summary: unary gRPC Get p50 {g.P50Us:F0} us / p99 {g.P99Us:F0} us, {g.OpsPerSecond:F0} ops/s at {concurrency} callers = {g.OpsPerSecond / m.OpsPerSecond:F2}x the memcached gateway (p50 {m.P50Us:F0} us / p99 {m.P99Us:F0} us, {m.OpsPerSecond:F0} ops/s), medians of {rounds} rounds"));
            return 0;
        }
        catch
        {
            cluster.PrintLog();
            throw;
        }
    }

    /// <summary><paramref name="callers"/> loops, each with its own client from <paramref name="open"/>, calling for <paramref name="duration"/>.</summary>
    private static async Task<Round> MeasureAsync(Func<Task<Func<int, Task>>> open, int callers, TimeSpan duration)
    {
        Func<int, Task>[] calls = await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => open()));
        var samples = new List<long>[callers];
        long end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            List<long> own = samples[c] = new List<long>(100_000);
            for (int i = c * 7919; ; i++)
            {
                long start = Stopwatch.GetTimestamp();
                if (start >= end)
                    return;
                await calls[c](i);
                own.Add(Stopwatch.GetTimestamp() - start);
            }
        })));
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        double[] us = samples.SelectMany(s => s).Select(t => t * 1e6 / Stopwatch.Frequency).Order().ToArray();
        return new Round(us[us.Length / 2], us[(int)(us.Length * 0.99)], us.Length / seconds);
    }

    private static async Task LoadAsync(int port, byte[][] keys, int valueSize)
    {
        var connection = await MemcachedConnection.OpenAsync(port);
        string value = new('v', valueSize);
        foreach (byte[] key in keys)
            await connection.CallAsync(Encoding.ASCII.GetBytes($"set {Encoding.ASCII.GetString(key)} 0 0 {valueSize}\r\n{value}\r\n"), "STORED\r\n"u8.ToArray());
    }

    /// <summary>One memcached text connection, one command at a time.</summary>
    private sealed class MemcachedConnection(Socket socket)
    {
        private static readonly byte[] End = "END\r\n"u8.ToArray();
        private readonly byte[] _buffer = new byte[64 * 1024];
        private readonly byte[] _request = new byte[512];

        public static async Task<MemcachedConnection> OpenAsync(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return new MemcachedConnection(socket);
        }

        public Task GetAsync(byte[] key)
        {
            "get "u8.CopyTo(_request);
            key.CopyTo(_request, 4);
            "\r\n"u8.CopyTo(_request.AsSpan(4 + key.Length));
            return CallAsync(_request.AsMemory(0, 6 + key.Length), End);
        }

        /// <summary>Sends a request and reads until the reply ends with <paramref name="end"/>.</summary>
        public async Task CallAsync(ReadOnlyMemory<byte> request, byte[] end)
        {
            await socket.SendAsync(request);
            int used = 0;
            while (used < end.Length || !_buffer.AsSpan(used - end.Length, end.Length).SequenceEqual(end))
            {
                int read = await socket.ReceiveAsync(_buffer.AsMemory(used));
                if (read == 0)
                    throw new IOException("the gateway closed the connection");
                used += read;
            }
        }
    }
}
