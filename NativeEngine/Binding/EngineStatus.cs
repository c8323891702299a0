namespace Mnemo.NativeEngine;

/// <summary>
/// Mirrors <c>mnemo_status</c>. Item operations return the statuses a protocol layer answers to
/// (see <see cref="EnginePool"/>); every other failure surfaces as an <see cref="EngineException"/>.
/// </summary>
public enum EngineStatus
{
    Ok = 0,
    /// <summary>The key (or region, snapshot) does not exist.</summary>
    NotFound = 1,
    /// <summary>CAS mismatch, or a region name already taken.</summary>
    Exists = 2,
    /// <summary>add on an existing key; replace/append/prepend on a missing key.</summary>
    NotStored = 3,
    /// <summary>The item is larger than the pool's item size limit.</summary>
    TooLarge = 4,
    /// <summary>The pool is full and nothing can be evicted.</summary>
    NoMemory = 5,
    /// <summary>incr/decr on a value that is not a decimal uint64.</summary>
    NonNumeric = 6,
    /// <summary>Empty key, or longer than <see cref="EngineLimits.KeyMax"/> bytes.</summary>
    BadKey = 7,
    Invalid = 8,
    Io = 9,
    Corrupt = 10,
    /// <summary>The value did not fit the destination; the needed length is reported.</summary>
    BufferTooSmall = 11,
    /// <summary>A fixed table (regions, snapshots) is full.</summary>
    Limit = 12,
}
