using System.Buffers;
using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>Concurrent operations share socket writes, are matched by id, and allocate nothing per operation.</summary>
public sealed class PipeliningTests : IAsyncLifetime
{
    private static readonly byte[] Region = Bytes.Of(TestNode.RegionName);
    private TestNode _node = null!;
    private PeerConnection _peer = null!;

    public async Task InitializeAsync()
    {
        _node = await TestNode.StartAsync("node-a");
        _peer = _node.Connect();
    }

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task A_thousand_concurrent_operations_take_far_fewer_flushes_and_each_gets_its_own_answer()
    {
        const int count = 1000;
        byte[][] keys = Enumerable.Range(0, count).Select(i => Bytes.Of($"key-{i}")).ToArray();
        byte[][] values = Enumerable.Range(0, count).Select(i => Bytes.Of($"value-{i}-{new string('x', i % 50)}")).ToArray();
        Assert.Equal(CacheStatus.Ok, (await _peer.StoreAsync(Region, CacheStoreMode.Set, Bytes.Of("warm"), Bytes.Of("up"), 0, 0)).Status);
        PeerConnectionStats before = _peer.Stats;

        Task<CacheResult>[] stores = Enumerable.Range(0, count)
            .Select(i => Task.Run(() => _peer.StoreAsync(Region, CacheStoreMode.Set, keys[i], values[i], (uint)i, 0).AsTask()))
            .ToArray();
        CacheResult[] stored = await Task.WhenAll(stores);

        PeerConnectionStats after = _peer.Stats;
        Assert.All(stored, r => Assert.Equal(CacheStatus.Ok, r.Status));
        Assert.Equal(count, after.Operations - before.Operations);
        long flushes = after.Flushes - before.Flushes;
        Assert.True(flushes <= count / 4, $"{count} operations took {flushes} flushes");

        var writers = Enumerable.Range(0, count).Select(_ => new ArrayBufferWriter<byte>()).ToArray();
        ValueTask<CacheResult>[] reads = new ValueTask<CacheResult>[count];
        for (int i = 0; i < count; i++)
        {
            reads[i] = _peer.GetAsync(Region, keys[i], writers[i]);
        }
        for (int i = 0; i < count; i++)
        {
            CacheResult read = await reads[i];
            Assert.Equal(CacheStatus.Ok, read.Status);
            Assert.Equal((uint)i, read.Info.Flags);
            Assert.True(writers[i].WrittenSpan.SequenceEqual(values[i]), $"value of key-{i}");
        }
    }

    [Fact]
    public async Task Issuing_operations_allocates_nothing_per_operation()
    {
        const int wave = 50, waves = 100;
        byte[] key = Bytes.Of("alloc-key");
        byte[] value = new byte[64];
        var pending = new ValueTask<CacheResult>[wave];
        await _peer.StoreAsync(Region, CacheStoreMode.Set, key, value, 0, 0);
        for (int i = 0; i < 20; i++)
        {
            await IssueWaveAsync(pending, key, value);
        }

        long allocated = 0;
        for (int i = 0; i < waves; i++)
        {
            allocated += await IssueWaveAsync(pending, key, value);
        }

        // Frames go into pooled pipe memory and awaitables come from a fixed table: even one small object per
        // operation would show as 24+ bytes each.
        Assert.True(allocated < wave * waves * 4, $"{allocated} bytes allocated issuing {wave * waves} operations");
    }

    /// <summary>Issues a wave of concurrent operations; returns the bytes the issuing thread allocated.</summary>
    private async Task<long> IssueWaveAsync(ValueTask<CacheResult>[] pending, byte[] key, byte[] value)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < pending.Length; i++)
        {
            pending[i] = (i & 1) == 0 ? _peer.StoreAsync(Region, CacheStoreMode.Set, key, value, 0, 0) : _peer.TouchAsync(Region, key, 0);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        for (int i = 0; i < pending.Length; i++)
        {
            CacheResult result = await pending[i];
            if (result.Status != CacheStatus.Ok)
            {
                Assert.Fail($"operation {i} answered {result.Status}");
            }
        }
        return allocated;
    }
}
