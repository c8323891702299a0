using System.Collections.Concurrent;
using System.Text;
using Mnemo.NativeEngine;

namespace Mnemo.DataPlane;

/// <summary>
/// Resolves the region names requests carry to engine regions, creating a region on first use (a
/// replica being populated for the first time). Lookups of known names decode into a stack buffer
/// and probe the cache with a span: no allocation per request.
/// </summary>
public sealed class RegionDirectory(EnginePool pool)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly ConcurrentDictionary<string, Region> _regions = new(StringComparer.Ordinal);

    public EnginePool Pool { get; } = pool;

    /// <summary>The region called <paramref name="utf8Name"/>; throws <see cref="DataPlaneProtocolException"/> when the name is not UTF-8.</summary>
    public Region Resolve(ReadOnlySpan<byte> utf8Name)
    {
        Span<char> name = stackalloc char[EngineLimits.RegionNameMax];
        int length;
        try
        {
            length = StrictUtf8.GetChars(utf8Name, name);
        }
        catch (Exception e) when (e is DecoderFallbackException or ArgumentException)
        {
            throw new DataPlaneProtocolException("region name is not valid UTF-8");
        }
        var lookup = _regions.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(name[..length], out Region region))
        {
            return region;
        }
        string key = new(name[..length]);
        return _regions.GetOrAdd(key, Pool.GetOrCreateRegion(key));
    }

    /// <summary>Forgets cached regions (after a region was dropped and may be recreated under a new id).</summary>
    public void Clear() => _regions.Clear();
}
