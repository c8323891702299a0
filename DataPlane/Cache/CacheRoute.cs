namespace Mnemo.DataPlane;

/// <summary>Where a key lives: its shard and, when the store knows them, the replicas serving it.</summary>
public sealed record CacheRoute(int Shard, int ShardCount, IReadOnlyList<string> Replicas);
