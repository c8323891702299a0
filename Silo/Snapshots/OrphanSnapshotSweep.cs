using System.Text.Json;
using Microsoft.Extensions.Logging;
using Mnemo.Grains;
using Mnemo.NativeEngine;

namespace Mnemo.Silo;

/// <summary>
/// Deletes the engine snapshots of this node's Memshack regions that no <c>ClusterSnapshot</c> manifest
/// names: the part a node took before a create aborted without reaching it (its silo killed before it
/// answered), or that a coordinator which died inside its fence left behind. Only while no cluster
/// snapshot is under way, and only snapshots older than <see cref="MinimumAge"/>, so a create whose
/// manifest is not committed yet (or not seen here yet) keeps its part.
/// </summary>
public sealed class OrphanSnapshotSweep(NodePool nodePool, ILogger<OrphanSnapshotSweep> logger)
{
    /// <summary>Far beyond a create's fence deadline and the watch's delay.</summary>
    public static readonly TimeSpan MinimumAge = TimeSpan.FromSeconds(60);

    private const string MemshackRegionPrefix = "memshack.";

    /// <param name="snapshots">Every ClusterSnapshot resource, none of them under way.</param>
    public int Sweep(IEnumerable<JsonElement> snapshots)
    {
        HashSet<(string Region, ulong Id)> named = NamedHere(snapshots);
        DateTimeOffset cutoff = DateTimeOffset.UtcNow - MinimumAge;
        int deleted = 0;
        foreach (RegionStats region in nodePool.Pool.ListRegions())
        {
            if (!region.Name.StartsWith(MemshackRegionPrefix, StringComparison.Ordinal) || region.Snapshots == 0)
                continue;
            foreach (SnapshotInfo snapshot in nodePool.Pool.ListSnapshots(region.Region))
            {
                if (snapshot.CreatedAt > cutoff || named.Contains((region.Name, snapshot.Id)))
                    continue;
                try
                {
                    nodePool.Pool.DeleteSnapshot(region.Region, snapshot.Id);
                    deleted++;
                    logger.LogInformation("Engine snapshot {Id} of region {Region} belongs to no cluster snapshot and was deleted", snapshot.Id, region.Name);
                }
                catch (EngineException e)
                {
                    logger.LogWarning("Engine snapshot {Id} of region {Region} could not be deleted: {Reason}", snapshot.Id, region.Name, e.Message);
                }
            }
        }
        return deleted;
    }

    /// <summary>The engine snapshots of this node that the manifests name.</summary>
    private HashSet<(string, ulong)> NamedHere(IEnumerable<JsonElement> snapshots)
    {
        var named = new HashSet<(string, ulong)>();
        foreach (JsonElement item in snapshots)
        {
            if (!item.TryGetProperty("status", out JsonElement status) || status.ValueKind != JsonValueKind.Object
                || !status.TryGetProperty("manifest", out JsonElement manifest) || manifest.ValueKind != JsonValueKind.Object
                || !manifest.TryGetProperty("replicas", out JsonElement replicas) || replicas.ValueKind != JsonValueKind.Array)
                continue;
            foreach (JsonElement replica in replicas.EnumerateArray())
            {
                if (replica.TryGetProperty("node", out JsonElement node) && node.GetString() == nodePool.NodeName
                    && replica.TryGetProperty("region", out JsonElement region) && replica.TryGetProperty("snapshotId", out JsonElement id)
                    && id.TryGetUInt64(out ulong snapshotId))
                    named.Add((region.GetString() ?? "", snapshotId));
            }
        }
        return named;
    }
}
