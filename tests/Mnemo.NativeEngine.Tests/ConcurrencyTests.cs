using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public void Threads_writing_and_reading_their_own_keys_see_their_own_values()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open();
        Region region = pool.CreateRegion("shared");
        const int threads = 4, keysPerThread = 2_000;

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            Span<byte> key = stackalloc byte[32];
            Span<byte> value = stackalloc byte[32];
            Span<byte> read = stackalloc byte[32];
            for (int i = 0; i < keysPerThread; i++)
            {
                int keyLength = Format(key, "t", t, i);
                int valueLength = Format(value, "v", t, i);
                Assert.Equal(EngineStatus.Ok, pool.Store(region, StoreMode.Set, key[..keyLength], value[..valueLength], (uint)t, 0, out _));
                Assert.Equal(EngineStatus.Ok, pool.TryGet(region, key[..keyLength], read, out int readLength, out ItemInfo info));
                Assert.True(read[..readLength].SequenceEqual(value[..valueLength]));
                Assert.Equal((uint)t, info.Flags);
            }
        });

        Assert.Equal((ulong)(threads * keysPerThread), pool.GetStats().Items);
    }

    [Fact]
    public void Concurrent_increments_of_one_counter_are_not_lost()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open();
        Region region = pool.CreateRegion("counter");
        pool.Set(region, "n", "0");
        const int threads = 4, incrementsPerThread = 2_500;

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, worker =>
        {
            for (int i = 0; i < incrementsPerThread; i++)
            {
                Assert.Equal(EngineStatus.Ok, pool.Increment(region, "n"u8, 1, out _, out _));
            }
        });

        Assert.Equal((threads * incrementsPerThread).ToString(), pool.GetString(region, "n"));
    }

    [Fact]
    public void Only_one_of_racing_cas_writers_wins_each_round()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open();
        Region region = pool.CreateRegion("cas");
        pool.Set(region, "k", "0");
        const int threads = 4, rounds = 500;
        int wins = 0;

        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, worker =>
        {
            Span<byte> buffer = stackalloc byte[32];
            for (int i = 0; i < rounds; i++)
            {
                // Read-modify-write with CAS, retried until it wins: the final count proves no update was lost.
                while (true)
                {
                    Assert.Equal(EngineStatus.Ok, pool.TryGet(region, "k"u8, buffer, out int length, out ItemInfo info));
                    long next = long.Parse(buffer[..length]) + 1;
                    EngineStatus status = pool.Store(region, StoreMode.Cas, "k"u8, next.ToString().Utf8(), 0, 0, out _, new WriteOptions { CasIn = info.Cas });
                    if (status == EngineStatus.Ok)
                    {
                        Interlocked.Increment(ref wins);
                        break;
                    }
                    Assert.Equal(EngineStatus.Exists, status);
                }
            }
        });

        Assert.Equal(threads * rounds, wins);
        Assert.Equal((threads * rounds).ToString(), pool.GetString(region, "k"));
    }

    [Fact]
    public void Racing_get_or_create_calls_agree_on_one_region()
    {
        using var scratch = new TempPool();
        using EnginePool pool = scratch.Open();
        const int threads = 4;
        using var barrier = new Barrier(threads);

        var regions = new Region[threads];
        var failures = new Exception?[threads];
        Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            try
            {
                // Line the threads up so that their lookups and creates overlap.
                barrier.SignalAndWait();
                regions[t] = pool.GetOrCreateRegion("contended");
            }
            catch (Exception e)
            {
                failures[t] = e;
            }
        })).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }
        foreach (Thread worker in workers)
        {
            Assert.True(worker.Join(TimeSpan.FromSeconds(60)));
        }

        Assert.All(failures, Assert.Null);
        Assert.Single(regions.Distinct());
        Assert.Single(pool.ListRegions(), r => r.Name == "contended");
    }

    [Fact]
    public async Task Dispose_while_other_threads_call_never_crashes_them()
    {
        using var scratch = new TempPool();
        EnginePool pool = scratch.Open();
        Region region = pool.CreateRegion("r");
        using var started = new CountdownEvent(2);

        Task[] workers = Enumerable.Range(0, 2).Select(worker => Task.Run(() =>
        {
            started.Signal();
            Span<byte> buffer = stackalloc byte[16];
            try
            {
                while (true)
                {
                    pool.Store(region, StoreMode.Set, "k"u8, "v"u8, 0, 0, out _);
                    pool.TryGet(region, "k"u8, buffer, out _, out _);
                }
            }
            catch (ObjectDisposedException)
            {
                // The expected way out once the pool is closed.
            }
        })).ToArray();

        Assert.True(started.Wait(TimeSpan.FromSeconds(30)));
        pool.Dispose();

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
    }

    private static int Format(Span<byte> destination, string prefix, int thread, int index)
    {
        Assert.True(System.Text.Unicode.Utf8.TryWrite(destination, $"{prefix}{thread}:{index}", out int written));
        return written;
    }
}
