namespace Mnemo.DataPlane;

/// <summary>What a silo's gateway of one Memshack serves: the store its memcached gateway routes
/// keys through (also the route of the silo's gRPC cache calls) and that gateway's port.</summary>
public sealed record ServedGateway(IAsyncCacheStore Store, int MemcachedPort);
