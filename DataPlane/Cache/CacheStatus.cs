namespace Mnemo.DataPlane;

/// <summary>The outcome of a cache operation, in the terms a memcached protocol layer answers with.</summary>
public enum CacheStatus
{
    Ok,
    /// <summary>Miss: the key does not exist (or has expired).</summary>
    NotFound,
    /// <summary>CAS mismatch.</summary>
    Exists,
    /// <summary>add on an existing key; replace/append/prepend on a missing key.</summary>
    NotStored,
    /// <summary>The item is larger than <see cref="IAsyncCacheStore.ItemSizeMax"/>.</summary>
    TooLarge,
    /// <summary>No room and nothing evictable.</summary>
    NoMemory,
    /// <summary>incr/decr on a value that is not a decimal 64-bit unsigned integer.</summary>
    NonNumeric,
    /// <summary>Empty key or longer than 250 bytes.</summary>
    BadKey,
    /// <summary>The value did not fit the destination; <see cref="CacheItemInfo.ValueLength"/> gives the needed size.</summary>
    BufferTooSmall,
    /// <summary>The store could not serve the request (device error, replica unreachable, ...).</summary>
    Unavailable,
}
