namespace Mnemo.Grains.Interfaces;

/// <summary>
/// One item of a cluster snapshot file: <paramref name="Exptime"/> in absolute Unix seconds (0 = never),
/// <paramref name="Cas"/> the version it had (0 = let the Memshack pick one), <paramref name="Stale"/> marked stale (ms I).
/// </summary>
[GenerateSerializer, Immutable, Alias("mnemo.PortableItem")]
public sealed record PortableItem(byte[] Key, byte[] Value, uint Flags, uint Exptime, ulong Cas, bool Stale);
