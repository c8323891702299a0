namespace Mnemo.Grains.Interfaces;

/// <summary>One node's pool after a <see cref="NodePoolTarget"/> was applied: ready when it has the asked size and mode;
/// otherwise <paramref name="Reason"/> (a CamelCase word) and <paramref name="Message"/> say what was refused or failed.</summary>
/// <param name="Capacity">The pool size in bytes.</param>
/// <param name="Used">Bytes of slab chunks holding live or retained items.</param>
/// <param name="LogLevel">The silo's minimum log level in force; null when the node did not say (unreachable).</param>
[GenerateSerializer, Immutable, Alias("mnemo.NodePoolState")]
public sealed record NodePoolState(
    string Node,
    bool Ready,
    string Reason,
    string Message,
    long Capacity,
    long Used,
    int Regions,
    int Snapshots,
    string DeviceMode,
    string? LogLevel = null);
