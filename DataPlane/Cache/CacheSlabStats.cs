namespace Mnemo.DataPlane;

/// <summary>One slab class, for <c>stats slabs</c>.</summary>
public readonly record struct CacheSlabStats(int ClassId, int ChunkSize, ulong Pages, ulong ChunksTotal, ulong ChunksUsed, ulong Evictions);
