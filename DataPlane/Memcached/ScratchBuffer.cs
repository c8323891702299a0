using System.Buffers;

namespace Mnemo.DataPlane;

/// <summary>
/// Makes a byte range that straddles pipe segments contiguous by copying it into a pooled array.
/// The array is held only until <see cref="Release"/> (after the command has completed, when the store
/// no longer reads it), so idle connections keep none.
/// </summary>
internal sealed class ScratchBuffer
{
    private byte[]? _array;

    public ReadOnlyMemory<byte> Contiguous(in ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment)
        {
            return bytes.First;
        }
        Release();
        int length = checked((int)bytes.Length);
        _array = ArrayPool<byte>.Shared.Rent(length);
        bytes.CopyTo(_array);
        return _array.AsMemory(0, length);
    }

    public void Release()
    {
        if (_array is not null)
        {
            ArrayPool<byte>.Shared.Return(_array);
            _array = null;
        }
    }
}
