using System.Text.RegularExpressions;
using Mnemo.NativeEngine;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// The numbers of every enum that crosses the data-plane wire, the pool file or the C ABI. Peers of
/// different builds and pools written by older ones depend on them: a value here may be added, never
/// changed or removed. Mirrored enums are bridged by casts, so each pair must agree name for name,
/// and the binding's enums must equal the C header's numbers.
/// </summary>
public sealed partial class WireEnumStabilityTests
{
    [Fact]
    public void Cache_statuses_keep_their_wire_bytes() => AssertPinned(new Dictionary<CacheStatus, int>
    {
        [CacheStatus.Ok] = 0, [CacheStatus.NotFound] = 1, [CacheStatus.Exists] = 2, [CacheStatus.NotStored] = 3, [CacheStatus.TooLarge] = 4,
        [CacheStatus.NoMemory] = 5, [CacheStatus.NonNumeric] = 6, [CacheStatus.BadKey] = 7, [CacheStatus.BufferTooSmall] = 8,
        [CacheStatus.Unavailable] = 9,
    });

    [Fact]
    public void Store_modes_keep_their_wire_bytes() => AssertPinned(new Dictionary<CacheStoreMode, int>
    {
        [CacheStoreMode.Set] = 0, [CacheStoreMode.Add] = 1, [CacheStoreMode.Replace] = 2, [CacheStoreMode.Append] = 3, [CacheStoreMode.Prepend] = 4,
        [CacheStoreMode.Cas] = 5,
    });

    [Fact]
    public void Item_state_bits_keep_their_wire_bytes() => AssertPinned(new Dictionary<CacheItemState, int>
    {
        [CacheItemState.None] = 0, [CacheItemState.Stale] = 1, [CacheItemState.TokenSent] = 2, [CacheItemState.Won] = 4, [CacheItemState.Vivified] = 8,
    });

    [Fact]
    public void Op_codes_keep_their_wire_bytes() => AssertPinned(new Dictionary<DataPlaneOpCode, int>
    {
        [DataPlaneOpCode.Get] = 1, [DataPlaneOpCode.Store] = 2, [DataPlaneOpCode.Delete] = 3, [DataPlaneOpCode.Arithmetic] = 4,
        [DataPlaneOpCode.Touch] = 5, [DataPlaneOpCode.Flush] = 6, [DataPlaneOpCode.ScanChunk] = 7, [DataPlaneOpCode.Stats] = 8, [DataPlaneOpCode.Versions] = 9,
    });

    [Fact]
    public void Engine_statuses_equal_the_header() => AssertPinned(HeaderEnum("mnemo_status", "MNEMO_"), new Dictionary<EngineStatus, int>
    {
        [EngineStatus.Ok] = 0, [EngineStatus.NotFound] = 1, [EngineStatus.Exists] = 2, [EngineStatus.NotStored] = 3, [EngineStatus.TooLarge] = 4,
        [EngineStatus.NoMemory] = 5, [EngineStatus.NonNumeric] = 6, [EngineStatus.BadKey] = 7, [EngineStatus.Invalid] = 8, [EngineStatus.Io] = 9,
        [EngineStatus.Corrupt] = 10, [EngineStatus.BufferTooSmall] = 11, [EngineStatus.Limit] = 12,
    });

    [Fact]
    public void Engine_store_modes_equal_the_header() => AssertPinned(HeaderEnum("mnemo_store_mode", "MNEMO_"), new Dictionary<StoreMode, int>
    {
        [StoreMode.Set] = 0, [StoreMode.Add] = 1, [StoreMode.Replace] = 2, [StoreMode.Append] = 3, [StoreMode.Prepend] = 4, [StoreMode.Cas] = 5,
    });

    [Fact]
    public void Device_modes_equal_the_header() => AssertPinned(HeaderEnum("mnemo_device_mode", "MNEMO_DEVICE_"), new Dictionary<DeviceMode, int>
    {
        [DeviceMode.Emulation] = 0, [DeviceMode.FsDax] = 1, [DeviceMode.DevDax] = 2,
    });

    [Fact]
    public void Engine_item_state_bits_equal_the_header()
    {
        var header = HeaderDefines("MNEMO_ITEM_");
        header.Add("NONE", 0);
        AssertPinned(header, new Dictionary<ItemState, int>
        {
            [ItemState.None] = 0, [ItemState.Stale] = 1, [ItemState.TokenSent] = 2, [ItemState.Won] = 4, [ItemState.Vivified] = 8, [ItemState.Tombstone] = 16,
        });
    }

    [Fact]
    public void Mirrored_enums_agree_name_for_name()
    {
        AssertMirrored<CacheStoreMode, StoreMode>();
        // A tombstone is met only by version scans (anti-entropy), never in a read's item state.
        AssertMirrored<CacheItemState, ItemState>(engineOnly: [nameof(ItemState.Tombstone)]);
    }

    [Fact]
    public void Engine_statuses_map_to_the_cache_status_of_the_same_name()
    {
        foreach (EngineStatus status in Enum.GetValues<EngineStatus>())
        {
            CacheStatus expected = Enum.TryParse(status.ToString(), out CacheStatus same) ? same : CacheStatus.Unavailable;
            Assert.Equal(expected, EngineOutcomes.ToCacheStatus(status));
        }
    }

    /// <summary>Every declared value is pinned (a new one needs a line here) and has its pinned number.</summary>
    private static void AssertPinned<T>(Dictionary<T, int> pinned) where T : struct, Enum
    {
        Assert.Equal(pinned.Keys.Order(), Enum.GetValues<T>().Order());
        foreach ((T value, int number) in pinned)
            Assert.True(Convert.ToInt64(value) == number, $"{typeof(T).Name}.{value} is {Convert.ToInt64(value)}, pinned at {number}");
    }

    /// <summary>As <see cref="AssertPinned{T}(Dictionary{T, int})"/>, and each value equals the header's of the same name.</summary>
    private static void AssertPinned<T>(Dictionary<string, int> header, Dictionary<T, int> pinned) where T : struct, Enum
    {
        AssertPinned(pinned);
        Assert.Equal(header.Keys.Order(), pinned.Keys.Select(HeaderName).Order());
        foreach ((T value, int number) in pinned)
            Assert.True(header[HeaderName(value)] == number, $"{typeof(T).Name}.{value} is {number}, the header says {header[HeaderName(value)]}");
    }

    private static void AssertMirrored<TData, TEngine>(string[]? engineOnly = null) where TData : struct, Enum where TEngine : struct, Enum
    {
        Assert.Equal(Enum.GetNames<TEngine>().Except(engineOnly ?? []).Order(), Enum.GetNames<TData>().Order());
        foreach (TData value in Enum.GetValues<TData>())
            Assert.Equal(Convert.ToInt64(value), Convert.ToInt64(Enum.Parse<TEngine>(value.ToString())));
    }

    /// <summary>FsDax → FSDAX, NotFound → NOT_FOUND, BufferTooSmall → BUFFER_TOO_SMALL: the header's spelling.</summary>
    private static string HeaderName<T>(T value) where T : struct, Enum =>
        value.ToString() switch
        {
            "FsDax" => "FSDAX",
            "DevDax" => "DEVDAX",
            "Io" => "IO",
            string name => CamelWords().Replace(name, "$1_$2").ToUpperInvariant(),
        };

    /// <summary>The <c>PREFIX_NAME = n</c> members of <c>typedef enum <paramref name="type"/> { ... }</c> in mnemo_engine.h.</summary>
    private static Dictionary<string, int> HeaderEnum(string type, string prefix)
    {
        string header = File.ReadAllText(HeaderPath);
        Match body = Regex.Match(header, $@"typedef enum {type} \{{(?<body>[^}}]*)\}}");
        Assert.True(body.Success, $"enum {type} not found in mnemo_engine.h");
        return Regex.Matches(body.Groups["body"].Value, $@"\b{prefix}(?<name>[A-Z_]+)\s*=\s*(?<value>\d+)")
            .ToDictionary(m => m.Groups["name"].Value, m => int.Parse(m.Groups["value"].Value));
    }

    /// <summary>The <c>#define PREFIX_NAME nu</c> constants of mnemo_engine.h.</summary>
    private static Dictionary<string, int> HeaderDefines(string prefix) =>
        Regex.Matches(File.ReadAllText(HeaderPath), $@"#define {prefix}(?<name>[A-Z_]+) (?<value>\d+)u")
            .ToDictionary(m => m.Groups["name"].Value, m => int.Parse(m.Groups["value"].Value));

    private static string HeaderPath => Path.Combine(RepositoryPaths.Root, "NativeEngine", "include", "mnemo_engine.h");

    [GeneratedRegex("([a-z])([A-Z])")]
    private static partial Regex CamelWords();
}
