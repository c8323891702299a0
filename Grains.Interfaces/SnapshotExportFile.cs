namespace Mnemo.Grains.Interfaces;

/// <summary>An engine export file waiting on its node: <paramref name="Id"/> to read and release it, <paramref name="Length"/> bytes.</summary>
[GenerateSerializer, Immutable, Alias("mnemo.SnapshotExportFile")]
public sealed record SnapshotExportFile(string Id, long Length);
