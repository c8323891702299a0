namespace Mnemo.DataPlane;

/// <summary>Settings of the memcached gateway (bound from configuration section <c>Mnemo:Memcached</c>,
/// environment variables <c>Mnemo__Memcached__MaxConnections</c> etc.).</summary>
public sealed class MemcachedGatewayOptions
{
    public const string SectionName = "Mnemo:Memcached";

    /// <summary>Connections beyond this are closed at once (memcached's <c>-c</c>).</summary>
    public int MaxConnections { get; set; } = 4096;

    /// <summary>What <c>version</c> answers.</summary>
    public string Version { get; set; } = "1.6.18-mnemo";

    /// <summary>A get/gets line may run past memcached's 2048-byte line limit (many keys); beyond this
    /// many bytes without a newline the connection is closed.</summary>
    public int MaxMultiGetLineBytes { get; set; } = 1024 * 1024;

    /// <summary>Buffered replies beyond this are flushed before more commands are parsed, so a long
    /// pipeline of large gets does not grow memory without bound.</summary>
    public int FlushThresholdBytes { get; set; } = 256 * 1024;
}
