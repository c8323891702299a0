using Microsoft.Win32.SafeHandles;
using Mnemo.Grains.Interfaces;
using Mnemo.NativeEngine;
using Orleans.Placement;

namespace Mnemo.Grains;

/// <summary>
/// Exports this node's engine snapshots to files in a directory of its own under the temporary directory
/// and serves them in chunks. The files live until released, or until the activation ends.
/// </summary>
[NodePinnedPlacement, Immovable]
public sealed class NodeSnapshotExportGrain(NodePool nodePool) : Grain, INodeSnapshotExportGrain
{
    /// <summary>The largest chunk <see cref="ReadAsync"/> returns: far below Orleans' message size limit.</summary>
    public const int MaxChunk = 8 << 20;

    private readonly Dictionary<string, string> _files = new(StringComparer.Ordinal);

    private string Directory => Path.Combine(Path.GetTempPath(), "mnemo-exports", nodePool.NodeName);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        nodePool.EnsureOwns(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        foreach (string path in _files.Values)
            File.Delete(path);
        _files.Clear();
        return Task.CompletedTask;
    }

    public async Task<SnapshotExportFile> ExportAsync(ReplicaSnapshot snapshot)
    {
        if (!string.Equals(snapshot.Node, nodePool.NodeName, StringComparison.Ordinal))
            throw new InvalidOperationException($"{nodePool.NodeName} was asked to export the snapshot of {snapshot.Node}");
        Region region = nodePool.Pool.FindRegion(snapshot.Region)
            ?? throw new InvalidOperationException($"{nodePool.NodeName} has no region {snapshot.Region}");
        System.IO.Directory.CreateDirectory(Directory);
        string id = $"{snapshot.Region}.{snapshot.SnapshotId}.{Guid.NewGuid():N}";
        string path = Path.Combine(Directory, id);
        _files[id] = path;
        try
        {
            // The engine walks the pool and writes the file: off the grain's thread.
            await Task.Run(() => nodePool.Pool.ExportSnapshot(region, snapshot.SnapshotId, path));
            return new SnapshotExportFile(id, new FileInfo(path).Length);
        }
        catch
        {
            _files.Remove(id);
            File.Delete(path);
            throw;
        }
    }

    public async Task<byte[]> ReadAsync(string id, long offset, int count)
    {
        string path = _files.GetValueOrDefault(id) ?? throw new InvalidOperationException($"{nodePool.NodeName} has no export {id}");
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        using SafeFileHandle file = File.OpenHandle(path);
        long length = RandomAccess.GetLength(file);
        var buffer = new byte[(int)Math.Clamp(Math.Min(count, length - offset), 0, MaxChunk)];
        for (int read = 0; read < buffer.Length;)
        {
            int n = await RandomAccess.ReadAsync(file, buffer.AsMemory(read), offset + read);
            if (n == 0)
                throw new IOException($"{path} ended at {offset + read} bytes");
            read += n;
        }
        return buffer;
    }

    public Task ReleaseAsync(string id)
    {
        if (_files.Remove(id, out string? path))
            File.Delete(path);
        return Task.CompletedTask;
    }
}
