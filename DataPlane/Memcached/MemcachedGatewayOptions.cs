namespace Mnemo.DataPlane;

/// <summary>Settings of a memcached gateway. A silo reads them from its <c>MNEMO_MEMCACHED_*</c>
/// settings (<c>mnemo-silo --help</c>) and gives them to every Memshack gateway it starts.</summary>
public sealed record MemcachedGatewayOptions
{
    /// <summary>Connections beyond this are closed at once (memcached's <c>-c</c>).</summary>
    public int MaxConnections { get; init; } = 4096;

    /// <summary>What <c>version</c> answers.</summary>
    public string Version { get; init; } = "1.6.18-mnemo";

    /// <summary>A get/gets line may run past memcached's 2048-byte line limit (many keys); beyond this
    /// many bytes without a newline the connection is closed.</summary>
    public int MaxMultiGetLineBytes { get; init; } = 1024 * 1024;

    /// <summary>Buffered replies beyond this are flushed before more commands are parsed, so a long
    /// pipeline of large gets does not grow memory without bound.</summary>
    public int FlushThresholdBytes { get; init; } = 256 * 1024;

    /// <summary>What the gateway's metrics are tagged with (<c>memshack</c>): its Memshack's <c>namespace/name</c>.</summary>
    public string Name { get; init; } = "";
}
