namespace Mnemo.Cluster.Tests;

/// <summary>Memcached load through one gateway for tests that change something underneath it while clients run.</summary>
public static class SetGetLoad
{
    /// <summary>
    /// Sets keys named <paramref name="keyPrefix"/>-0 to -199 in turn and reads each back until <paramref name="stop"/>
    /// is cancelled; every reply that is not the expected one is a failure. <paramref name="answered"/> sees every pair.
    /// </summary>
    public static async Task<(long Requests, List<string> Failures)> RunAsync(int port, string keyPrefix, CancellationToken stop, Action? answered = null)
    {
        var failures = new List<string>();
        long requests = 0;
        await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port);
        for (int n = 0; !stop.IsCancellationRequested; n++)
        {
            string key = $"{keyPrefix}-{n % 200}", value = $"v{n}";
            string stored = await client.SetAsync(key, value);
            string? read = await client.GetAsync(key);
            requests += 2;
            answered?.Invoke();
            if (stored != "STORED" || read != value)
                failures.Add($"{key}: set {stored}, get {read ?? "nothing"} (expected {value})");
        }
        return (requests, failures);
    }
}
