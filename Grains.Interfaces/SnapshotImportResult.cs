namespace Mnemo.Grains.Interfaces;

/// <summary>
/// What one batch of an import did: items <paramref name="Written"/> to every replica (as the write quorum
/// counts them), <paramref name="Expired"/> ones skipped, <paramref name="Failed"/> ones refused, the first
/// refusal's reason in <paramref name="FirstError"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("mnemo.SnapshotImportResult")]
public sealed record SnapshotImportResult(int Written, int Expired, int Failed, string? FirstError);
