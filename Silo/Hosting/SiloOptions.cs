using System.Globalization;
using Microsoft.Extensions.Configuration;
using Mnemo.NativeEngine;

namespace Mnemo.Silo.Hosting;

/// <summary>Everything a silo process needs to start. Each setting comes from a command-line switch
/// (<c>--node-name</c>) or an environment variable (<c>MNEMO_NODE_NAME</c>); the switch wins.</summary>
public sealed record SiloOptions
{
    public const string EnvironmentPrefix = "MNEMO_";

    /// <summary>Command-line switches and the configuration keys (= environment names without the prefix) they set.</summary>
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>
    {
        ["--node-name"] = "NODE_NAME",
        ["--host"] = "HOST",
        ["--silo-port"] = "SILO_PORT",
        ["--health-port"] = "HEALTH_PORT",
        ["--peers"] = "PEERS",
        ["--state-dir"] = "STATE_DIR",
        ["--pool-path"] = "POOL_PATH",
        ["--pool-capacity"] = "POOL_CAPACITY",
        ["--device-mode"] = "DEVICE_MODE",
        ["--idle-age"] = "IDLE_AGE",
        ["--grain-assemblies"] = "GRAIN_ASSEMBLIES",
        ["--data-port"] = "DATA_PORT",
        ["--memshack-manifests"] = "MEMSHACK_MANIFESTS",
        ["--memshack-port-offset"] = "MEMSHACK_PORT_OFFSET",
    };

    public const int DefaultSiloPort = 11111;
    public const int DefaultHealthPort = 11121;
    public const int DefaultDataPort = 11131;

    /// <summary>The node this silo manages; also the key of its NodeMemoryGrain.</summary>
    public required string NodeName { get; init; }

    /// <summary>Address to listen on and to advertise to peers.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>HTTP/2 without TLS (h2c): grain calls between silos and from clients.</summary>
    public int SiloPort { get; init; } = DefaultSiloPort;

    /// <summary>HTTP/1.1: /healthz and /readyz for curl and Kubernetes probes (an h2c-only port
    /// cannot serve HTTP/1.1 clients).</summary>
    public int HealthPort { get; init; } = DefaultHealthPort;

    /// <summary>host:port of the other silos' silo ports (static membership).</summary>
    public IReadOnlyList<string> Peers { get; init; } = [];

    public required string StateDir { get; init; }

    public required string PoolPath { get; init; }

    public ulong PoolCapacity { get; init; } = 256UL << 20;

    public DeviceMode DeviceMode { get; init; } = DeviceMode.Emulation;

    /// <summary>Activations idle this long are deactivated.</summary>
    public TimeSpan IdleAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Paths of extra assemblies whose grain classes this silo hosts, next to Mnemo's own.</summary>
    public IReadOnlyList<string> GrainAssemblies { get; init; } = [];

    /// <summary>Raw TCP: the replica data plane, which peers' gateways use to reach the replicas held
    /// here. Peers learn it from this silo (a grain call), so silos may use different ports.</summary>
    public int DataPort { get; init; } = DefaultDataPort;

    /// <summary>Folder of Memshack manifests (*.yaml, *.yml, *.json) this silo serves; none when null.</summary>
    public string? MemshackManifests { get; init; }

    /// <summary>Added to every Memshack's <c>mcrouter_port</c>: 0 in production (one silo per host);
    /// silos sharing a host (the dev cluster) need distinct gateway ports.</summary>
    public int MemshackPortOffset { get; init; }

    public IEnumerable<string> ToArguments()
    {
        yield return "--node-name"; yield return NodeName;
        yield return "--host"; yield return Host;
        yield return "--silo-port"; yield return SiloPort.ToString(CultureInfo.InvariantCulture);
        yield return "--health-port"; yield return HealthPort.ToString(CultureInfo.InvariantCulture);
        yield return "--peers"; yield return string.Join(',', Peers);
        yield return "--state-dir"; yield return StateDir;
        yield return "--pool-path"; yield return PoolPath;
        yield return "--pool-capacity"; yield return PoolCapacity.ToString(CultureInfo.InvariantCulture);
        yield return "--device-mode"; yield return DeviceMode.ToString().ToLowerInvariant();
        yield return "--idle-age"; yield return IdleAge.ToString("c", CultureInfo.InvariantCulture);
        if (GrainAssemblies.Count > 0)
        {
            yield return "--grain-assemblies"; yield return string.Join(',', GrainAssemblies);
        }
        yield return "--data-port"; yield return DataPort.ToString(CultureInfo.InvariantCulture);
        if (MemshackManifests is not null)
        {
            yield return "--memshack-manifests"; yield return MemshackManifests;
        }
        yield return "--memshack-port-offset"; yield return MemshackPortOffset.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Reads and validates the settings; throws <see cref="SiloConfigurationException"/>
    /// naming the setting at fault.</summary>
    public static SiloOptions FromConfiguration(IConfiguration configuration)
    {
        string? Get(string key) => configuration[key] is { Length: > 0 } value ? value.Trim() : null;

        var nodeName = Get("NODE_NAME") ?? Environment.MachineName;
        var stateDir = Get("STATE_DIR") ?? Path.Combine(".state", nodeName);
        return new SiloOptions
        {
            NodeName = nodeName,
            Host = Get("HOST") ?? "127.0.0.1",
            SiloPort = ParsePort("SILO_PORT", Get("SILO_PORT"), DefaultSiloPort),
            HealthPort = ParsePort("HEALTH_PORT", Get("HEALTH_PORT"), DefaultHealthPort),
            Peers = ParsePeers(Get("PEERS")),
            StateDir = stateDir,
            PoolPath = Get("POOL_PATH") ?? Path.Combine(stateDir, "pool"),
            PoolCapacity = Get("POOL_CAPACITY") is { } capacity ? ByteSize.Parse("POOL_CAPACITY", capacity) : 256UL << 20,
            DeviceMode = ParseDeviceMode(Get("DEVICE_MODE")),
            IdleAge = Get("IDLE_AGE") is { } idle
                ? TimeSpan.TryParse(idle, CultureInfo.InvariantCulture, out var age) && age > TimeSpan.Zero
                    ? age
                    : throw new SiloConfigurationException("IDLE_AGE", idle, "a positive time span such as 00:15:00")
                : TimeSpan.FromMinutes(15),
            GrainAssemblies = Get("GRAIN_ASSEMBLIES") is { } paths
                ? paths.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : [],
            DataPort = ParsePort("DATA_PORT", Get("DATA_PORT"), DefaultDataPort),
            MemshackManifests = Get("MEMSHACK_MANIFESTS"),
            MemshackPortOffset = Get("MEMSHACK_PORT_OFFSET") is { } offset
                ? int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < 65535
                    ? n
                    : throw new SiloConfigurationException("MEMSHACK_PORT_OFFSET", offset, "a non-negative port offset")
                : 0,
        };
    }

    private static int ParsePort(string key, string? text, int fallback)
    {
        if (text is null)
            return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new SiloConfigurationException(key, text, "a TCP port (1-65535)");
    }

    private static IReadOnlyList<string> ParsePeers(string? text)
    {
        if (text is null)
            return [];
        var peers = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var peer in peers)
        {
            var colon = peer.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(peer.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is <= 0 or >= 65536)
                throw new SiloConfigurationException("PEERS", text, "a comma-separated list of host:port");
        }
        return peers;
    }

    private static DeviceMode ParseDeviceMode(string? text) => text?.ToLowerInvariant() switch
    {
        null or "emulation" => DeviceMode.Emulation,
        "fsdax" => DeviceMode.FsDax,
        "devdax" => DeviceMode.DevDax,
        _ => throw new SiloConfigurationException("DEVICE_MODE", text, "emulation, fsdax or devdax"),
    };
}
