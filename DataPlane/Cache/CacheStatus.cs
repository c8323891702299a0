namespace Mnemo.DataPlane;

/// <summary>The outcome of a cache operation, in the terms a memcached protocol layer answers with.
/// The data plane sends it as a byte: the numbers are fixed (WireEnumStabilityTests pins them).</summary>
public enum CacheStatus
{
    Ok = 0,
    /// <summary>Miss: the key does not exist (or has expired).</summary>
    NotFound = 1,
    /// <summary>CAS mismatch.</summary>
    Exists = 2,
    /// <summary>add on an existing key; replace/append/prepend on a missing key.</summary>
    NotStored = 3,
    /// <summary>The item is larger than <see cref="IAsyncCacheStore.ItemSizeMax"/>.</summary>
    TooLarge = 4,
    /// <summary>No room and nothing evictable.</summary>
    NoMemory = 5,
    /// <summary>incr/decr on a value that is not a decimal 64-bit unsigned integer.</summary>
    NonNumeric = 6,
    /// <summary>Empty key or longer than 250 bytes.</summary>
    BadKey = 7,
    /// <summary>The value did not fit the destination; <see cref="CacheItemInfo.ValueLength"/> gives the needed size.</summary>
    BufferTooSmall = 8,
    /// <summary>The store could not serve the request (device error, replica unreachable, ...).</summary>
    Unavailable = 9,
}
