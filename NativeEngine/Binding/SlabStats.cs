using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

/// <summary>Mirrors <c>mnemo_slab_stats</c>: one slab class in use.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct SlabStats
{
    private uint _classId;
    private uint _chunkSize;
    private ulong _pages;
    private ulong _chunksTotal;
    private ulong _chunksUsed;
    private ulong _evictions;

    public readonly int ClassId => (int)_classId;

    /// <summary>Bytes per chunk of this class.</summary>
    public readonly int ChunkSize => (int)_chunkSize;

    /// <summary>Pages assigned to this class.</summary>
    public readonly ulong Pages => _pages;

    public readonly ulong ChunksTotal => _chunksTotal;
    public readonly ulong ChunksUsed => _chunksUsed;
    public readonly ulong Evictions => _evictions;
}
