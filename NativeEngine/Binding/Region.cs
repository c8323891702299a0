namespace Mnemo.NativeEngine;

/// <summary>An independent keyspace inside a pool, identified by the engine's region id.</summary>
public readonly record struct Region(uint Id, string Name);
