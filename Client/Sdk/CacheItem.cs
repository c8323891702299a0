namespace Mnemo.Client;

/// <summary>An item read from a Memshack.</summary>
/// <param name="Key">The item's key.</param>
/// <param name="Value">Its value bytes.</param>
/// <param name="Flags">The client flags stored with it (memcached's flags).</param>
/// <param name="Cas">Its CAS unique: give it to <see cref="MnemoClient.SetAsync"/> or <see cref="MnemoClient.DeleteAsync"/> to make them conditional.</param>
/// <param name="ExpiresAt">When it expires; null = never.</param>
public sealed record CacheItem(string Key, byte[] Value, uint Flags, ulong Cas, DateTimeOffset? ExpiresAt);
