using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Mnemo.NativeEngine;
using Mnemo.Tests.Shared;

namespace Mnemo.NativeEngine.Tests;

/// <summary>The C# mirrors must have exactly the C structs' layout, or every field read past the first mismatch is garbage.</summary>
public sealed class StructLayoutTests
{
    private sealed record Mirror(string CType, Type ManagedType, int ExpectedSize, (string CField, string ManagedField)[] Fields);

    private static readonly Mirror[] Mirrors =
    [
        new("mnemo_pool_options", typeof(NativePoolOptions), 32,
        [
            ("path", nameof(NativePoolOptions.Path)), ("capacity", nameof(NativePoolOptions.Capacity)),
            ("device_mode", nameof(NativePoolOptions.DeviceMode)), ("flags", nameof(NativePoolOptions.Flags)),
            ("item_size_max", nameof(NativePoolOptions.ItemSizeMax)), ("reserved", nameof(NativePoolOptions.Reserved)),
        ]),
        new("mnemo_item_info", typeof(ItemInfo), 40,
        [
            ("flags", "_flags"), ("value_len", "_valueLength"), ("exptime", "_exptime"), ("cas", "_cas"),
            ("last_access", "_lastAccess"), ("fetched", "_fetched"), ("state", "_state"),
        ]),
        new("mnemo_read_args", typeof(NativeReadArgs), 40,
        [
            ("touch_exptime", nameof(NativeReadArgs.TouchExptime)), ("vivify_exptime", nameof(NativeReadArgs.VivifyExptime)),
            ("recache_below", nameof(NativeReadArgs.RecacheBelow)), ("cas_new", nameof(NativeReadArgs.CasNew)),
            ("opts", nameof(NativeReadArgs.Options)), ("reserved", nameof(NativeReadArgs.Reserved)),
        ]),
        new("mnemo_write_args", typeof(NativeWriteArgs), 32,
        [
            ("cas_in", nameof(NativeWriteArgs.CasIn)), ("cas_new", nameof(NativeWriteArgs.CasNew)),
            ("exptime", nameof(NativeWriteArgs.Exptime)), ("opts", nameof(NativeWriteArgs.Options)),
            ("reserved", nameof(NativeWriteArgs.Reserved)),
        ]),
        new("mnemo_pool_stats", typeof(PoolStats), 120,
        [
            ("capacity", "_capacity"), ("data_capacity", "_dataCapacity"), ("bytes_used", "_bytesUsed"),
            ("item_bytes", "_itemBytes"), ("items", "_items"), ("index_bytes", "_indexBytes"), ("evictions", "_evictions"),
            ("hits", "_hits"), ("misses", "_misses"), ("snapshots", "_snapshots"),
            ("snapshot_retained_bytes", "_snapshotRetainedBytes"), ("regions", "_regions"), ("recovery_ns", "_recoveryNs"),
            ("item_size_max", "_itemSizeMax"), ("device_mode", "_deviceMode"), ("slab_classes", "_slabClasses"),
        ]),
        new("mnemo_region_stats", typeof(RegionStats), 160,
        [
            ("id", "_id"), ("name", "_name"), ("items", "_items"), ("item_bytes", "_itemBytes"), ("bytes_used", "_bytesUsed"),
            ("hits", "_hits"), ("misses", "_misses"), ("evictions", "_evictions"), ("snapshots", "_snapshots"),
            ("snapshot_retained_bytes", "_snapshotRetainedBytes"), ("epoch", "_epoch"), ("cmd_set", "_cmdSet"), ("cmd_get", "_cmdGet"),
        ]),
        new("mnemo_slab_stats", typeof(SlabStats), 40,
        [
            ("class_id", "_classId"), ("chunk_size", "_chunkSize"), ("pages", "_pages"), ("chunks_total", "_chunksTotal"),
            ("chunks_used", "_chunksUsed"), ("evictions", "_evictions"),
        ]),
        new("mnemo_snapshot_info", typeof(SnapshotInfo), 32,
        [
            ("id", "_id"), ("created_unix_ns", "_createdUnixNs"), ("items", "_items"), ("bytes", "_bytes"),
        ]),
    ];

    [Fact]
    public void Sizes_match_the_x64_layout_of_the_header()
    {
        foreach (Mirror mirror in Mirrors)
        {
            Assert.True(mirror.ExpectedSize == Marshal.SizeOf(mirror.ManagedType), $"{mirror.CType}: Marshal.SizeOf");
            Assert.True(mirror.ExpectedSize == ManagedSize(mirror.ManagedType), $"{mirror.CType}: managed size");
        }
    }

    [Fact]
    public void Sizes_and_offsets_match_what_the_C_compiler_says()
    {
        using var scratch = new TempPool();
        Dictionary<string, long> compiled = CompileAndRunLayoutProbe(scratch.Folder);

        foreach (Mirror mirror in Mirrors)
        {
            Assert.True(compiled[mirror.CType] == Marshal.SizeOf(mirror.ManagedType), $"sizeof({mirror.CType})");
            foreach ((string cField, string managedField) in mirror.Fields)
            {
                long managedOffset = Marshal.OffsetOf(mirror.ManagedType, managedField).ToInt64();
                Assert.True(compiled[$"{mirror.CType}.{cField}"] == managedOffset, $"offsetof({mirror.CType}, {cField})");
            }
        }
    }

    private static int ManagedSize(Type type) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(type).Invoke(null, null)!;

    /// <summary>Compiles a C program against mnemo_engine.h that prints sizeof/offsetof of every mirrored struct.</summary>
    private static Dictionary<string, long> CompileAndRunLayoutProbe(string folder)
    {
        var source = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n#include \"mnemo_engine.h\"\nint main(void) {\n");
        foreach (Mirror mirror in Mirrors)
        {
            source.Append($"  printf(\"{mirror.CType} %zu\\n\", sizeof({mirror.CType}));\n");
            foreach ((string cField, _) in mirror.Fields)
            {
                source.Append($"  printf(\"{mirror.CType}.{cField} %zu\\n\", offsetof({mirror.CType}, {cField}));\n");
            }
        }
        source.Append("  return 0;\n}\n");

        string sourcePath = Path.Combine(folder, "layout_probe.c");
        string programPath = Path.Combine(folder, "layout_probe");
        File.WriteAllText(sourcePath, source.ToString());

        Run("cc", ["-std=c11", "-I", Path.Combine(RepositoryPaths.Root, "NativeEngine", "include"), "-o", programPath, sourcePath]);
        string output = Run(programPath, []);

        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => long.Parse(parts[1]));
    }

    private static string Run(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} failed: {error.Result}");
        return output;
    }
}
