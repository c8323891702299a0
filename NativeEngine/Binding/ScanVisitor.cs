namespace Mnemo.NativeEngine;

/// <summary>
/// Receives one item of <see cref="EnginePool.Scan"/>. The spans point into the pool and are valid
/// only during the call. Return false to stop the scan.
/// </summary>
public delegate bool ScanVisitor(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, in ItemInfo info);
