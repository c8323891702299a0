namespace Mnemo.DataPlane;

/// <summary>Counters of a <see cref="PeerConnection"/>: operations sent, socket writes (flushes) that carried them, connections made.</summary>
public readonly record struct PeerConnectionStats(long Operations, long Flushes, long BytesSent, long Connects);
