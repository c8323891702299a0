using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Mnemo.Grains;
using Mnemo.NativeEngine;

namespace Mnemo.Silo;

/// <summary>Opens (creating when missing) the node's pool before the silo starts serving, so a
/// wrong path or a foreign pool stops the silo at once with the engine's reason.</summary>
public static class NodePoolLoader
{
    public static NodePool Open(SiloSettings options, ILogger logger)
    {
        Directory.CreateDirectory(options.StateDir);
        if (options.DeviceMode != DeviceMode.DevDax && Path.GetDirectoryName(Path.GetFullPath(options.PoolPath)) is { } directory)
            Directory.CreateDirectory(directory);

        var existed = File.Exists(options.PoolPath);
        var pool = EnginePool.Open(new PoolOptions
        {
            Path = options.PoolPath,
            Capacity = options.PoolCapacity,
            Mode = options.DeviceMode,
            Create = true,
        });
        var stats = pool.GetStats();
        logger.LogInformation(
            "{Action} pool {Path} ({Mode}, {Capacity} MiB, {Items} items, {Regions} regions, recovery {Recovery} ms)",
            existed ? "Opened" : "Created", options.PoolPath, stats.DeviceMode, stats.Capacity >> 20, stats.Items, stats.Regions,
            stats.RecoveryTime.TotalMilliseconds);
        return new NodePool(options.NodeName, pool);
    }

    /// <summary>Where a DRAM-emulated pool goes by default: /dev/shm when writable (it is memory
    /// already), else the state folder.</summary>
    public static string DefaultEmulatedPoolPath(string stateDir, string nodeName)
    {
        const string shm = "/dev/shm";
        if (Directory.Exists(shm) && IsWritable(shm))
        {
            // Name it after the state folder too, so two dev clusters on one machine do not share pools.
            var stateKey = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(stateDir))))[..8];
            return Path.Combine(shm, $"mnemo-{stateKey}-{nodeName}.pool");
        }
        return Path.Combine(stateDir, nodeName + ".pool");
    }

    private static bool IsWritable(string directory)
    {
        try
        {
            var probe = Path.Combine(directory, $".mnemo-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
