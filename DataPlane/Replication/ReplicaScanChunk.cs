using System.Buffers;

namespace Mnemo.DataPlane;

/// <summary>
/// A batch of items streamed out of a replica for resync, in <see cref="ScanItemFormat"/>. Owns a
/// pooled buffer: dispose it when done.
/// </summary>
public sealed class ReplicaScanChunk : IDisposable
{
    private byte[]? _buffer;
    private readonly int _length;

    private ReplicaScanChunk(CacheStatus status, ulong scanId, bool done, byte[]? buffer, int length)
    {
        Status = status;
        ScanId = scanId;
        Done = done;
        _buffer = buffer;
        _length = length;
    }

    /// <summary><see cref="CacheStatus.Ok"/>, or <see cref="CacheStatus.Unavailable"/> when the replica failed.</summary>
    public CacheStatus Status { get; }

    /// <summary>The scan to continue with; pass it to the next <see cref="IReplica.ScanChunkAsync"/>.</summary>
    public ulong ScanId { get; }

    /// <summary>True on the last chunk of the scan.</summary>
    public bool Done { get; }

    /// <summary>The items, in <see cref="ScanItemFormat"/>; valid until the chunk is disposed.</summary>
    public ReadOnlyMemory<byte> Items => _buffer is null ? default : _buffer.AsMemory(0, _length);

    public static ReplicaScanChunk Failed(CacheStatus status) => new(status, 0, done: true, null, 0);

    /// <summary>Copies <paramref name="items"/> into a pooled buffer.</summary>
    public static ReplicaScanChunk Create(ulong scanId, bool done, ReadOnlySpan<byte> items)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Max(items.Length, 1));
        items.CopyTo(buffer);
        return new ReplicaScanChunk(CacheStatus.Ok, scanId, done, buffer, items.Length);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
