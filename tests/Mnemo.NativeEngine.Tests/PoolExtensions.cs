using System.Buffers;
using System.Text;
using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

/// <summary>String-keyed shorthands that keep the tests readable; the binding itself works on spans.</summary>
internal static class PoolExtensions
{
    public static byte[] Utf8(this string text) => Encoding.UTF8.GetBytes(text);

    public static EngineStatus Set(this EnginePool pool, Region region, string key, string value, uint flags = 0, long exptime = 0) =>
        pool.Store(region, StoreMode.Set, key.Utf8(), value.Utf8(), flags, exptime, out _);

    public static EngineStatus Store(this EnginePool pool, Region region, StoreMode mode, string key, string value, ulong casIn, out ulong cas) =>
        pool.Store(region, mode, key.Utf8(), value.Utf8(), 0, 0, out cas, new WriteOptions { CasIn = casIn });

    /// <summary>The value of <paramref name="key"/>, or null when the engine reports it missing.</summary>
    public static string? GetString(this EnginePool pool, Region region, string key) => pool.GetString(region, key, out _);

    public static string? GetString(this EnginePool pool, Region region, string key, out ItemInfo info, in ReadOptions options = default)
    {
        var buffer = new ArrayBufferWriter<byte>();
        EngineStatus status = pool.Get(region, key.Utf8(), buffer, out info, options);
        if (status == EngineStatus.NotFound)
        {
            return null;
        }
        Assert.Equal(EngineStatus.Ok, status);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
