using System.Buffers;

namespace Mnemo.DataPlane;

// set, add, replace, append, prepend, cas, delete, incr, decr, touch — with memcached 1.6's checks,
// error strings and noreply handling.
internal sealed partial class AsciiSession
{
    private ValueTask<ProcessResult> Update(CacheStoreMode mode, ReadOnlyMemory<byte> lineMemory, ReadOnlySequence<byte> rest)
    {
        ReadOnlySpan<byte> line = lineMemory.Span;
        ReadOnlySpan<Range> tokens = Tokens;
        bool isCas = mode == CacheStoreMode.Cas;
        int required = isCas ? 6 : 5;
        if (tokens.Length != required && tokens.Length != required + 1)
        {
            return new(Error());
        }
        bool noreply = HasNoreply(line, tokens);
        ReadOnlyMemory<byte> key = lineMemory[tokens[1]];
        if (key.Length > KeyMax)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return new(ProcessResult.Progress);
        }
        ulong casIn = 0;
        if (!AsciiNumbers.TryParseFlags(line[tokens[2]], out uint flags)
            || !AsciiNumbers.TryParseInt32(line[tokens[3]], out int exptime)
            || !AsciiNumbers.TryParseInt32(line[tokens[4]], out int length)
            || (isCas && !AsciiNumbers.TryParseUInt64(line[tokens[5]], out casIn))
            || length < 0 || length > int.MaxValue - 2)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return new(ProcessResult.Progress);
        }

        long blockLength = (long)length + 2;
        if (length > _store.ItemSizeMax)
        {
            // Refused before reading: the data block is skipped as it arrives, however large.
            Swallow(rest, blockLength);
            return RefuseTooLarge(mode, key, noreply);
        }
        if (rest.Length < blockLength)
        {
            return new(ProcessResult.NeedMoreData);
        }

        _dataConsumed = blockLength;
        ReadOnlyMemory<byte> block = _dataScratch.Contiguous(rest.Slice(0, blockLength));
        if (block.Span[length] != (byte)'\r' || block.Span[length + 1] != (byte)'\n')
        {
            Reply("CLIENT_ERROR bad data chunk"u8, noreply);
            return new(ProcessResult.Progress);
        }

        _counters.Increment(Counter.CmdSet);
        return _store.StoreAsync(mode, key, block[..length], flags, exptime, new CacheWriteOptions(CasIn: casIn))
            .Then(this, (Mode: mode, Key: key, Noreply: noreply), static (session, result, state) => session.ReplyStored(result.Status, state.Mode, state.Key, state.Noreply));
    }

    private ValueTask<ProcessResult> ReplyStored(CacheStatus status, CacheStoreMode mode, ReadOnlyMemory<byte> key, bool noreply)
    {
        bool isCas = mode == CacheStoreMode.Cas;
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
                return RefuseTooLarge(mode, key, noreply);
            default:
                ReplyStoreFailure(status, noreply);
                break;
        }
        return new(ProcessResult.Progress);
    }

    private async ValueTask<ProcessResult> RefuseTooLarge(CacheStoreMode mode, ReadOnlyMemory<byte> key, bool noreply)
    {
        _counters.Increment(Counter.StoreTooLarge);
        // As memcached: a failed set must not leave the old value readable.
        if (mode == CacheStoreMode.Set)
        {
            await _store.DeleteAsync(key);
        }
        Reply("SERVER_ERROR object too large for cache"u8, noreply);
        return ProcessResult.Progress;
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
    private void Swallow(in ReadOnlySequence<byte> rest, long blockLength)
    {
        _dataConsumed = Math.Min(blockLength, rest.Length);
        _swallowRemaining = blockLength - _dataConsumed;
    }

    private ValueTask<ProcessResult> DeleteCommand(ReadOnlyMemory<byte> lineMemory)
    {
        ReadOnlySpan<byte> line = lineMemory.Span;
        ReadOnlySpan<Range> tokens = Tokens;
        if (tokens.Length < 2 || tokens.Length > 4)
        {
            return new(Error());
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
                return new(ProcessResult.Progress);
            }
        }
        ReadOnlyMemory<byte> key = lineMemory[tokens[1]];
        if (key.Length > KeyMax)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return new(ProcessResult.Progress);
        }
        return _store.DeleteAsync(key).Then(this, noreply, static (session, result, noreply) => session.ReplyDeleted(result.Status, noreply));
    }

    private ValueTask<ProcessResult> ReplyDeleted(CacheStatus status, bool noreply)
    {
        switch (status)
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
        return new(ProcessResult.Progress);
    }

    private ValueTask<ProcessResult> Arithmetic(ReadOnlyMemory<byte> lineMemory, bool decrement)
    {
        ReadOnlySpan<byte> line = lineMemory.Span;
        ReadOnlySpan<Range> tokens = Tokens;
        if (tokens.Length != 3 && tokens.Length != 4)
        {
            return new(Error());
        }
        bool noreply = HasNoreply(line, tokens);
        ReadOnlyMemory<byte> key = lineMemory[tokens[1]];
        if (key.Length > KeyMax)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return new(ProcessResult.Progress);
        }
        if (!AsciiNumbers.TryParseUInt64(line[tokens[2]], out ulong delta))
        {
            Reply("CLIENT_ERROR invalid numeric delta argument"u8, noreply);
            return new(ProcessResult.Progress);
        }
        return _store.ArithmeticAsync(key, decrement, delta)
            .Then(this, (Decrement: decrement, Noreply: noreply), static (session, result, state) => session.ReplyArithmetic(result, state.Decrement, state.Noreply));
    }

    private ValueTask<ProcessResult> ReplyArithmetic(in CacheResult result, bool decrement, bool noreply)
    {
        switch (result.Status)
        {
            case CacheStatus.Ok:
                _counters.Increment(decrement ? Counter.DecrHits : Counter.IncrHits);
                if (!noreply)
                {
                    _out.WriteDecimal(result.Number);
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
        return new(ProcessResult.Progress);
    }

    private ValueTask<ProcessResult> TouchCommand(ReadOnlyMemory<byte> lineMemory)
    {
        ReadOnlySpan<byte> line = lineMemory.Span;
        ReadOnlySpan<Range> tokens = Tokens;
        if (tokens.Length != 3 && tokens.Length != 4)
        {
            return new(Error());
        }
        bool noreply = HasNoreply(line, tokens);
        ReadOnlyMemory<byte> key = lineMemory[tokens[1]];
        if (key.Length > KeyMax)
        {
            Reply("CLIENT_ERROR bad command line format"u8, noreply);
            return new(ProcessResult.Progress);
        }
        if (!AsciiNumbers.TryParseInt32(line[tokens[2]], out int exptime))
        {
            Reply("CLIENT_ERROR invalid exptime argument"u8, noreply);
            return new(ProcessResult.Progress);
        }
        _counters.Increment(Counter.CmdTouch);
        return _store.TouchAsync(key, exptime).Then(this, noreply, static (session, result, noreply) => session.ReplyTouched(result.Status, noreply));
    }

    private ValueTask<ProcessResult> ReplyTouched(CacheStatus status, bool noreply)
    {
        switch (status)
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
        return new(ProcessResult.Progress);
    }
}
