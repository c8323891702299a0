namespace Mnemo.Client;

/// <summary>The answer to a <see cref="MnemoClient.GetAsync"/>: a hit with its <see cref="Item"/>, or a miss.</summary>
public readonly record struct CacheLookup(CacheItem? Item)
{
    public static CacheLookup Miss => default;

    public bool IsHit => Item is not null;
}
