using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using Mnemo.Kubernetes.Certificates;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// How a peer connection sends and completes: concurrent callers over mutual TLS each get their own
/// answer on one connection (TLS writes never overlap); a connection dropped while a batch waits for
/// the socket fails every operation; operations issued from completions chain on; a scan's
/// continuation may block waiting for another operation of its connection (it never runs on the
/// receive loop).
/// </summary>
public sealed class PeerSendingTests
{
    private static readonly byte[] Region = Bytes.Of(TestNode.RegionName);
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly X509Certificate2 Authority = CertificateIssuer.CreateAuthority("mnemo-ca", Now, TimeSpan.FromDays(1));

    [Fact]
    public async Task Concurrent_senders_over_mutual_tls_each_get_their_own_answer_on_one_connection()
    {
        await using TestNode node = await TestNode.StartAsync("node-a", tls: Tls("node-a"));
        await using PeerConnection peer = node.Connect(TlsClientOptions());

        Assert.Equal(CacheStatus.Ok, (await peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("warm"), Bytes.Of("up"), 0, 0)).Status);

        const int callers = 16, pairs = 200;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var read = new ArrayBufferWriter<byte>();
            for (int i = 0; i < pairs; i++)
            {
                byte[] key = Bytes.Of($"k{c}-{i}");
                byte[] value = Bytes.Of($"v{c}-{i}-{new string('x', (c * 31 + i) % 700)}");
                Assert.Equal(CacheStatus.Ok, (await peer.StoreAsync(Region, CacheStoreMode.Set, key, value, (uint)i, 0).ConfigureAwait(false)).Status);
                read.ResetWrittenCount();
                CacheResult got = await peer.GetAsync(Region, key, read).ConfigureAwait(false);
                Assert.Equal(CacheStatus.Ok, got.Status);
                Assert.Equal((uint)i, got.Info.Flags);
                Assert.True(read.WrittenSpan.SequenceEqual(value), $"value of k{c}-{i}");
            }
        })));

        // Overlapping TLS writes would have failed the connection (and every operation on it).
        PeerConnectionStats stats = peer.Stats;
        Assert.Equal(1, stats.Connects);
        Assert.Equal(callers * pairs * 2 + 1, stats.Operations);
    }

    [Fact]
    public async Task A_connection_dropped_while_a_batch_waits_for_the_socket_fails_every_operation()
    {
        using var blackHole = new BlackHolePeer(readRequests: false);
        await using var peer = new PeerConnection(blackHole.EndPoint, TestNode.FastFailOptions with { OperationTimeout = TimeSpan.FromMinutes(5) });
        // Far more than loopback socket buffers hold: the sender's last batch waits for a peer that never reads.
        const int count = 128;
        byte[] value = new byte[256 * 1024];
        Task<CacheResult>[] pending = Enumerable.Range(0, count)
            .Select(i => Task.Run(() => peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of($"k{i}"), value, 0, 0).AsTask()))
            .ToArray();
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(peer.Stats.Operations == count)), $"{peer.Stats.Operations} of {count} operations were sent");
        Assert.True(peer.Stats.BytesSent < (long)count * value.Length, $"every batch was sent ({peer.Stats.BytesSent} bytes)");
        Assert.All(pending, t => Assert.False(t.IsCompleted));

        blackHole.CloseConnections();
        CacheResult[] results = await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.All(results, r => Assert.Equal(CacheStatus.Unavailable, r.Status));
        Assert.False(peer.IsConnected);
    }

    [Fact]
    public async Task Killing_a_tls_peer_mid_burst_completes_every_operation_and_a_new_connection_serves()
    {
        await using TestNode node = await TestNode.StartAsync("node-a", tls: Tls("node-a"));
        await using PeerConnection peer = node.Connect(TlsClientOptions());
        Assert.Equal(CacheStatus.Ok, (await peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("warm"), Bytes.Of("up"), 0, 0)).Status);

        byte[] value = new byte[8 * 1024];
        using var stop = new CancellationTokenSource();
        Task<int>[] callers = Enumerable.Range(0, 8).Select(c => Task.Run(async () =>
        {
            int unavailable = 0;
            for (int i = 0; !stop.IsCancellationRequested; i++)
            {
                CacheResult result = await peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of($"k{c}-{i % 100}"), value, 0, 0).ConfigureAwait(false);
                Assert.True(result.Status is CacheStatus.Ok or CacheStatus.Unavailable, $"answered {result.Status}");
                if (result.Status == CacheStatus.Unavailable)
                {
                    unavailable++;
                    // While the server is down every attempt fails fast: leave the cores to its restart.
                    await Task.Delay(1).ConfigureAwait(false);
                }
            }
            return unavailable;
        })).ToArray();
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(peer.Stats.Operations > 500)), "the burst did not start");

        await node.KillAsync();
        Assert.True(await Eventually.HoldsAsync(() => Task.FromResult(!peer.IsConnected)), "the connection outlived the server");
        await node.RestartAsync(emptyPool: false);
        Assert.True(await Eventually.HoldsAsync(async () =>
            (await peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("after"), Bytes.Of("restart"), 0, 0)).Status == CacheStatus.Ok));
        stop.Cancel();

        // No operation hangs: every caller's last one ended.
        int[] unavailable = await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(unavailable.Sum() > 0, "no operation saw the connection drop");
        Assert.True(peer.Stats.Connects >= 2, $"{peer.Stats.Connects} connections");
    }

    [Fact]
    public async Task Gets_issued_each_from_the_previous_ones_completion_all_complete()
    {
        await using TestNode node = await TestNode.StartAsync("node-a");
        await using PeerConnection peer = node.Connect();
        const int steps = 2000;
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(CacheStatus.Ok, (await peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of($"chain-{i}"), Bytes.Of($"link-{i}"), 0, 0)).Status);
        }

        // Each get is issued by the previous one's continuation, wherever that runs, and reads what it names.
        int reads = await Task.Run(async () =>
        {
            var value = new ArrayBufferWriter<byte>();
            int i = 0;
            for (; i < steps; i++)
            {
                value.ResetWrittenCount();
                CacheResult result = await peer.GetAsync(Region, Bytes.Of($"chain-{i % 10}"), value).ConfigureAwait(false);
                Assert.Equal(CacheStatus.Ok, result.Status);
                Assert.Equal($"link-{i % 10}", Bytes.Text(value.WrittenSpan));
            }
            return i;
        }).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(steps, reads);
    }

    [Fact]
    public async Task A_scan_continuation_may_wait_for_a_key_operation_on_the_same_connection()
    {
        await using TestNode node = await TestNode.StartAsync("node-a");
        await using PeerConnection peer = node.Connect();
        Assert.Equal(CacheStatus.Ok, (await peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0)).Status);

        bool answered = await Task.Run(async () =>
        {
            (CacheStatus status, ulong scanId, bool done) = await peer.ScanChunkAsync(Region, 0, 64 * 1024, new ArrayBufferWriter<byte>()).ConfigureAwait(false);
            Assert.Equal(CacheStatus.Ok, status);
            if (!done)
            {
                await peer.ScanChunkAsync(Region, scanId, 0, new ArrayBufferWriter<byte>()).ConfigureAwait(false);
            }
            // Blocks this continuation's thread: were it the receive loop, the get's answer could never be read.
            return peer.GetAsync(Region, Bytes.Of("k"), new ArrayBufferWriter<byte>()).AsTask().Wait(TimeSpan.FromSeconds(20));
        });

        Assert.True(answered, "a key operation was not answered while a scan's continuation waited for it");
    }

    // A TLS handshake on a loaded machine can outlast the default connect timeout: these tests are about what follows it.
    private static PeerConnectionOptions TlsClientOptions() =>
        TestNode.FastFailOptions with { Identity = new PeerIdentity("c1", "node-b"), Tls = Tls("node-b"), ConnectTimeout = TimeSpan.FromSeconds(20) };

    private static PeerTls Tls(string node)
    {
        X509Certificate2 certificate = CertificateIssuer.IssueNode(Authority, node, [], Now, TimeSpan.FromHours(1));
        return new PeerTls(() => certificate, presented => ClusterTrust.Verify(presented, [Authority], DateTimeOffset.UtcNow));
    }
}
