using System.Collections.Concurrent;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// Writers (sets, deletes, increments; one key space per gateway) and a reader of the preloaded keys, on every gateway, until stopped.
/// A write answered with an error may still have been applied (write quorum all: some replicas took it), so a key may end with its
/// last acknowledged value or one of the failed writes after it; an acknowledged write is never lost.
/// </summary>
internal sealed class MemshackLoad
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private long _reads, _failedReads;

    public MemshackLoad(int port, int[] gateways)
    {
        _running = Task.WhenAll(gateways.Select(g => WriteAsync(port + g, g)).Concat(gateways.Select(g => ReadAsync(port + g, g))));
    }

    /// <summary>Per key written, the values it may hold now (null: absent).</summary>
    public ConcurrentDictionary<string, HashSet<string?>> Possible { get; } = new();

    private long[] Counted { get; } = new long[3];

    private long[] FailedIncrements { get; } = new long[3];

    public long Reads => Interlocked.Read(ref _reads);

    public long FailedReads => Interlocked.Read(ref _failedReads);

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
    }

    private async Task WriteAsync(int port, int g)
    {
        await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port);
        Assert.Equal("STORED", await client.SetAsync($"ctr-{g}", "0"));
        var random = new Random(11 + g);
        for (int n = 0; !_stop.IsCancellationRequested; n++)
        {
            string key = $"live-{g}-{random.Next(300)}";
            switch (random.Next(4))
            {
                case 0:
                    Record(key, null, await client.CommandAsync($"delete {key}") is "DELETED" or "NOT_FOUND");
                    break;
                case 1:
                    if (long.TryParse(await client.CommandAsync($"incr ctr-{g} 1"), out _))
                        Counted[g]++;
                    else
                        FailedIncrements[g]++;
                    break;
                default:
                    Record(key, $"w{n}", await client.SetAsync(key, $"w{n}") == "STORED");
                    break;
            }
        }
    }

    /// <summary>Checks every key written and every counter through the gateway on <paramref name="port"/>.</summary>
    public async Task AssertHeldAsync(int port, int gateways)
    {
        await using MemcachedTextClient check = await MemcachedTextClient.ConnectAsync(port);
        foreach ((string key, HashSet<string?> possible) in Possible)
        {
            string? held = await check.GetAsync(key);
            Assert.True(possible.Contains(held), $"{key} holds {held ?? "nothing"}; possible: {string.Join(", ", possible.Select(p => p ?? "nothing"))}");
        }
        for (int g = 0; g < gateways; g++)
            Assert.InRange(long.Parse((await check.GetAsync($"ctr-{g}"))!), Counted[g], Counted[g] + FailedIncrements[g]);
    }

    private void Record(string key, string? value, bool acknowledged)
    {
        // One writer per key: the set is never written concurrently.
        HashSet<string?> possible = Possible.GetOrAdd(key, _ => [null]);
        if (acknowledged)
            possible.Clear();
        possible.Add(value);
    }

    private async Task ReadAsync(int port, int g)
    {
        await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port);
        for (int n = g; !_stop.IsCancellationRequested; n += 3)
        {
            int k = (int)((long)n * 7919 % CacheMemshack.Preloaded);
            Interlocked.Increment(ref _reads);
            if (await client.GetAsync($"pre-{k}") != $"v{k}")
                Interlocked.Increment(ref _failedReads);
        }
    }
}
