using System.Buffers;
using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Silo.Gateways.Memcached;

// set, add, replace, append, prepend, cas, delete, incr, decr, touch — with memcached 1.6's checks,
// error strings and noreply handling.
internal sealed partial class AsciiSession
{
    private ProcessResult Update(CacheStoreMode mode, ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens, in ReadOnlySequence<byte> rest, out long dataConsumed)
    {
        dataConsumed = 0;
        bool isCas = mode == CacheStoreMode.Cas;
        int required = isCas ? 6 : 5;
        if (tokens.Length != required && tokens.Length != required + 1)
        {
            return Error();
        }
        bool noreply = HasNoreply(line, tokens);
        ReadOnlySpan<byte> key = line[tokens[1]];
        if (key.Length > KeyMax)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return ProcessResult.Progress;
        }
        ulong casIn = 0;
        if (!AsciiNumbers.TryParseFlags(line[tokens[2]], out uint flags)
            || !AsciiNumbers.TryParseInt32(line[tokens[3]], out int exptime)
            || !AsciiNumbers.TryParseInt32(line[tokens[4]], out int length)
            || (isCas && !AsciiNumbers.TryParseUInt64(line[tokens[5]], out casIn))
            || length < 0 || length > int.MaxValue - 2)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return ProcessResult.Progress;
        }

        long blockLength = (long)length + 2;
        if (length > _store.ItemSizeMax)
        {
            // Refused before reading: the data block is skipped as it arrives, however large.
            RefuseTooLarge(mode, key, noreply);
            return Swallow(rest, blockLength, out dataConsumed);
        }
        if (rest.Length < blockLength)
        {
            return ProcessResult.NeedMoreData;
        }

        dataConsumed = blockLength;
        ReadOnlySpan<byte> block = _dataScratch.Contiguous(rest.Slice(0, blockLength));
        if (block[length] != (byte)'\r' || block[length + 1] != (byte)'\n')
        {
            Reply("CLIENT_ERROR bad data chunk"u8, noreply);
            return ProcessResult.Progress;
        }

        _counters.Increment(Counter.CmdSet);
        CacheStatus status = _store.Store(mode, key, block[..length], flags, exptime, casIn, out _);
        switch (status)
        {
            case CacheStatus.Ok:
                _counters.Increment(Counter.TotalItems);
                if (isCas)
                {
                    _counters.Increment(Counter.CasHits);
                }
                Reply("STORED"u8, noreply);
                break;
            case CacheStatus.NotStored:
                Reply("NOT_STORED"u8, noreply);
                break;
            case CacheStatus.Exists:
                _counters.Increment(Counter.CasBadValue);
                Reply("EXISTS"u8, noreply);
                break;
            case CacheStatus.NotFound:
                _counters.Increment(Counter.CasMisses);
                Reply("NOT_FOUND"u8, noreply);
                break;
            case CacheStatus.TooLarge:
                RefuseTooLarge(mode, key, noreply);
                break;
            default:
                ReplyStoreFailure(status, noreply);
                break;
        }
        return ProcessResult.Progress;
    }

    private void RefuseTooLarge(CacheStoreMode mode, ReadOnlySpan<byte> key, bool noreply)
    {
        _counters.Increment(Counter.StoreTooLarge);
        // As memcached: a failed set must not leave the old value readable.
        if (mode == CacheStoreMode.Set)
        {
            _store.Delete(key, 0);
        }
        Reply("SERVER_ERROR object too large for cache"u8, noreply);
    }

    private void ReplyStoreFailure(CacheStatus status, bool noreply)
    {
        if (status == CacheStatus.NoMemory)
        {
            _counters.Increment(Counter.StoreNoMemory);
            Reply("SERVER_ERROR out of memory storing object"u8, noreply);
        }
        else
        {
            Reply(status == CacheStatus.BadKey ? "CLIENT_ERROR bad command line format"u8 : "SERVER_ERROR unavailable"u8, noreply);
        }
    }

    /// <summary>Skips a data block that will not be stored; what has not arrived yet is skipped later.</summary>
    private ProcessResult Swallow(in ReadOnlySequence<byte> rest, long blockLength, out long dataConsumed)
    {
        dataConsumed = Math.Min(blockLength, rest.Length);
        _swallowRemaining = blockLength - dataConsumed;
        return ProcessResult.Progress;
    }

    private ProcessResult DeleteCommand(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens)
    {
        if (tokens.Length < 2 || tokens.Length > 4)
        {
            return Error();
        }
        bool noreply = HasNoreply(line, tokens);
        if (tokens.Length > 2)
        {
            // memcached accepts only a legacy hold time of 0 and/or noreply here.
            bool holdIsZero = line[tokens[2]].SequenceEqual("0"u8);
            bool valid = (tokens.Length == 3 && (holdIsZero || noreply)) || (tokens.Length == 4 && holdIsZero && noreply);
            if (!valid)
            {
                Reply("CLIENT_ERROR bad command line format.  Usage: delete <key> [noreply]"u8, noreply);
                return ProcessResult.Progress;
            }
        }
        ReadOnlySpan<byte> key = line[tokens[1]];
        if (key.Length > KeyMax)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return ProcessResult.Progress;
        }
        switch (_store.Delete(key, 0))
        {
            case CacheStatus.Ok:
                _counters.Increment(Counter.DeleteHits);
                Reply("DELETED"u8, noreply);
                break;
            case CacheStatus.NotFound:
                _counters.Increment(Counter.DeleteMisses);
                Reply("NOT_FOUND"u8, noreply);
                break;
            default:
                Reply("SERVER_ERROR unavailable"u8, noreply);
                break;
        }
        return ProcessResult.Progress;
    }

    private ProcessResult Arithmetic(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens, bool decrement)
    {
        if (tokens.Length != 3 && tokens.Length != 4)
        {
            return Error();
        }
        bool noreply = HasNoreply(line, tokens);
        ReadOnlySpan<byte> key = line[tokens[1]];
        if (key.Length > KeyMax)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return ProcessResult.Progress;
        }
        if (!AsciiNumbers.TryParseUInt64(line[tokens[2]], out ulong delta))
        {
            Reply("CLIENT_ERROR invalid numeric delta argument"u8, noreply);
            return ProcessResult.Progress;
        }
        CacheStatus status = _store.Arithmetic(key, decrement, delta, out ulong value, out _);
        switch (status)
        {
            case CacheStatus.Ok:
                _counters.Increment(decrement ? Counter.DecrHits : Counter.IncrHits);
                if (!noreply)
                {
                    _out.WriteDecimal(value);
                    _out.WriteCrLf();
                }
                break;
            case CacheStatus.NotFound:
                _counters.Increment(decrement ? Counter.DecrMisses : Counter.IncrMisses);
                Reply("NOT_FOUND"u8, noreply);
                break;
            case CacheStatus.NonNumeric:
                Reply("CLIENT_ERROR cannot increment or decrement non-numeric value"u8, noreply);
                break;
            case CacheStatus.NoMemory:
                Reply("SERVER_ERROR out of memory"u8, noreply);
                break;
            default:
                Reply("SERVER_ERROR unavailable"u8, noreply);
                break;
        }
        return ProcessResult.Progress;
    }

    private ProcessResult TouchCommand(ReadOnlySpan<byte> line, ReadOnlySpan<Range> tokens)
    {
        if (tokens.Length != 3 && tokens.Length != 4)
        {
            return Error();
        }
        bool noreply = HasNoreply(line, tokens);
        ReadOnlySpan<byte> key = line[tokens[1]];
        if (key.Length > KeyMax)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return ProcessResult.Progress;
        }
        if (!AsciiNumbers.TryParseInt32(line[tokens[2]], out int exptime))
        {
            Reply("CLIENT_ERROR invalid exptime argument"u8, noreply);
            return ProcessResult.Progress;
        }
        _counters.Increment(Counter.CmdTouch);
        switch (_store.Touch(key, exptime))
        {
            case CacheStatus.Ok:
                _counters.Increment(Counter.TouchHits);
                Reply("TOUCHED"u8, noreply);
                break;
            case CacheStatus.NotFound:
                _counters.Increment(Counter.TouchMisses);
                Reply("NOT_FOUND"u8, noreply);
                break;
            default:
                Reply("SERVER_ERROR unavailable"u8, noreply);
                break;
        }
        return ProcessResult.Progress;
    }
}
