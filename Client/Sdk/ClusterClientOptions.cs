using Mnemo.Runtime.Transport;

namespace Mnemo.Client;

public sealed class ClusterClientOptions
{
    /// <summary>Environment variable with comma-separated gateway endpoints, used when none are given.</summary>
    public const string GatewayEnvironmentVariable = "MNEMO_GATEWAY";

    /// <summary>The dev cluster's first silo.</summary>
    public const string DefaultGateway = "127.0.0.1:11111";

    /// <summary>Silo endpoints (host:port of the h2c silo port) the client may send calls to.</summary>
    public List<string> Gateways { get; set; } = [];

    /// <summary>Deadline of a grain call that sets none.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a gateway that failed is avoided before it is tried again.</summary>
    public TimeSpan GatewayRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Deadline of the membership query that <see cref="ClusterClient.ConnectAsync"/> uses to check a gateway.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public TransportOptions Transport { get; set; } = new();

    /// <summary>The gateways given (each may be a comma-separated list), else those in <c>MNEMO_GATEWAY</c>, else <see cref="DefaultGateway"/>.</summary>
    public static List<string> GatewaysOrDefault(IEnumerable<string>? given)
    {
        var gateways = given?.SelectMany(g => g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList() ?? [];
        if (gateways.Count > 0)
            return gateways;
        var fromEnvironment = Environment.GetEnvironmentVariable(GatewayEnvironmentVariable);
        return string.IsNullOrWhiteSpace(fromEnvironment)
            ? [DefaultGateway]
            : [.. fromEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
