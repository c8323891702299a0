using System.Globalization;
using Microsoft.Extensions.Configuration;
using Mnemo.Api;
using Mnemo.DataPlane;
using Mnemo.Grains;
using Mnemo.Kubernetes.Certificates;
using Mnemo.Kubernetes.Leadership;
using Mnemo.NativeEngine;
using Mnemo.Sizes;

namespace Mnemo.Silo;

/// <summary>Everything a silo process needs to start. Each setting comes from a command-line switch
/// (<c>--node-name</c>) or an environment variable (<c>MNEMO_NODE_NAME</c>); the switch wins. In a
/// pod, the downward API's <c>NODE_NAME</c>, <c>POD_IP</c> and <c>POD_NAMESPACE</c> are the defaults
/// of the node name, the advertised host and the namespace.</summary>
public sealed record SiloSettings
{
    public const string EnvironmentPrefix = "MNEMO_";

    // Before Switches, whose help texts show these defaults.
    private static readonly MemcachedGatewayOptions GatewayDefaults = new();

    /// <summary>Command-line switches, the configuration keys (= environment names without the prefix) they set, and what they mean.</summary>
    public static readonly IReadOnlyList<(string Switch, string Key, string Help)> Switches =
    [
        ("--node-name", "NODE_NAME", "the node this silo manages; also its Orleans silo name (default $NODE_NAME, else the machine name)"),
        ("--host", "HOST", "address to listen on and advertise (default $POD_IP, else 127.0.0.1)"),
        ("--silo-port", "SILO_PORT", $"Orleans silo-to-silo port (default {DefaultSiloPort})"),
        ("--gateway-port", "GATEWAY_PORT", $"Orleans client gateway port (default {DefaultGatewayPort})"),
        ("--health-port", "HEALTH_PORT", $"HTTP /healthz and /readyz (default {DefaultHealthPort})"),
        ("--data-port", "DATA_PORT", $"replica data plane, raw TCP (default {DefaultDataPort})"),
        ("--cluster-id", "CLUSTER_ID", $"Orleans cluster id; silos with the same id form one cluster (default {DefaultClusterId})"),
        ("--namespace", "NAMESPACE", "Kubernetes namespace of the membership resources (default $POD_NAMESPACE, else default)"),
        ("--kubeconfig", "KUBECONFIG", "kubeconfig of the Kubernetes API (default: in-cluster service account, else $KUBECONFIG, else ~/.kube/config)"),
        ("--nodes", "NODES", "comma-separated node names to wait for (active and registered) before Memshacks are placed over the known nodes (default: none)"),
        ("--state-dir", "STATE_DIR", "folder of the silo's state (default .state/<node>)"),
        ("--pool-path", "POOL_PATH", "the memory pool: a file, an fsdax file or a devdax device (default <state-dir>/pool)"),
        ("--pool-capacity", "POOL_CAPACITY", "pool size: bytes or a Kubernetes quantity, 256Mi = 256 x 2^20, 256M = 256 x 10^6 (default 256Mi)"),
        ("--device-mode", "DEVICE_MODE", "emulation, fsdax or devdax (default emulation)"),
        ("--node-labels", "NODE_LABELS", "labels of this node's MnemoNode, k=v[,k=v], which MemoryMachine nodeSelectors match (default storage=pmem)"),
        ("--idle-age", "IDLE_AGE", "idle grain activations are collected after this (default 00:15:00)"),
        ("--memshack-port-offset", "MEMSHACK_PORT_OFFSET", "added to every Memshack's mcrouter_port, for silos sharing a host (default 0)"),
        ("--memcached-max-connections", "MEMCACHED_MAX_CONNECTIONS",
            $"connections each Memshack gateway accepts; more are closed at once, as memcached -c (default {GatewayDefaults.MaxConnections})"),
        ("--memcached-max-multiget-line", "MEMCACHED_MAX_MULTIGET_LINE",
            $"longest get/gets line a gateway buffers before closing the connection, a size (default {GatewayDefaults.MaxMultiGetLineBytes})"),
        ("--memcached-flush-threshold", "MEMCACHED_FLUSH_THRESHOLD",
            $"buffered reply bytes after which a gateway flushes before parsing more commands, a size (default {GatewayDefaults.FlushThresholdBytes})"),
        ("--memcached-version", "MEMCACHED_VERSION", $"what a gateway's version command answers (default {GatewayDefaults.Version})"),

        ("--anti-entropy-interval", "ANTI_ENTROPY_INTERVAL", "pause between anti-entropy passes over the shards this silo orders (default 00:00:30)"),
        ("--node-join-grace", "NODE_JOIN_GRACE", "how long Memshack moves wait for a registered node that is not active before placing without it (default 00:05:00)"),
        ("--leader-lease-duration", "LEADER_LEASE_DURATION", "how long the reconciler's Lease keeps other silos out when its holder stops renewing (default 00:00:15)"),
        ("--leader-renew-deadline", "LEADER_RENEW_DEADLINE", "how long the reconciling silo tries to renew its Lease before it stops reconciling (default 00:00:10)"),
        ("--leader-retry-period", "LEADER_RETRY_PERIOD", "pause between two attempts to take or renew the reconciler's Lease (default 00:00:02)"),
        ("--grpc-port", "GRPC_PORT", $"gRPC API port, h2c on loopback unless a certificate is given; 0: none (default {GrpcGatewayOptions.DefaultPort})"),
        ("--grpc-certificate", "GRPC_CERTIFICATE", "PEM certificate of the gRPC port: it then serves TLS on the silo's address (default none)"),
        ("--grpc-certificate-key", "GRPC_CERTIFICATE_KEY", "PEM private key of that certificate (default: in the certificate file)"),
        ("--grpc-max-message-size", "GRPC_MAX_MESSAGE_SIZE", $"largest gRPC message, a size; larger requests get RESOURCE_EXHAUSTED (default {GrpcGatewayOptions.DefaultMaxMessageBytes})"),
        ("--grpc-max-import-size", "GRPC_MAX_IMPORT_SIZE", $"longest cluster snapshot file Snapshots.Import spools to the temporary directory, a size (default {GrpcGatewayOptions.DefaultMaxImportBytes})"),
        ("--console-token", "CONSOLE_TOKEN",
            "token the management console and Orleans Dashboard require (bearer, or basic-auth password); without one they are served on a loopback --host only (default none)"),
        ("--tls", "TLS", "mutual TLS on the data plane and the Orleans silo port: generated (a cluster CA and node certificates kept in Secrets), provided (--tls-secret) or off (default generated)"),
        ("--tls-secret", "TLS_SECRET", "a kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) in the namespace to use instead of generated certificates (default none)"),
        ("--tls-certificate-lifetime", "TLS_CERTIFICATE_LIFETIME", "validity of a generated node certificate (default 90.00:00:00)"),
        ("--tls-renew-before", "TLS_RENEW_BEFORE", "a node certificate expiring within this time is renewed (default 30.00:00:00)"),
        ("--tls-ca-renew-before", "TLS_CA_RENEW_BEFORE", "a generated CA expiring within this time is rotated, overlapping old and new (default 30.00:00:00)"),
        ("--tls-ca-overlap", "TLS_CA_OVERLAP",
            "how long a CA rotation waits for nodes that do not follow before it goes on without them; twice it must be shorter than --tls-ca-renew-before (default 1.00:00:00)"),
    ];

    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;
    public const int DefaultHealthPort = 11121;
    public const int DefaultDataPort = 11131;
    public const string DefaultClusterId = "mnemo";

    /// <summary>The node this silo manages: the key of its NodeMemoryGrain and its Orleans silo name.</summary>
    public required string NodeName { get; init; }

    /// <summary>Address to listen on and to advertise to peers.</summary>
    public string Host { get; init; } = "127.0.0.1";

    public int SiloPort { get; init; } = DefaultSiloPort;

    public int GatewayPort { get; init; } = DefaultGatewayPort;

    /// <summary>HTTP/1.1: /healthz and /readyz for curl and Kubernetes probes.</summary>
    public int HealthPort { get; init; } = DefaultHealthPort;

    /// <summary>Raw TCP: the replica data plane, which peers' gateways use to reach the replicas held
    /// here. Peers learn it from this silo (a grain call), so silos may use different ports.</summary>
    public int DataPort { get; init; } = DefaultDataPort;

    public string ClusterId { get; init; } = DefaultClusterId;

    public string Namespace { get; init; } = "default";

    /// <summary>Null: the in-cluster service account when in a pod, else <c>$KUBECONFIG</c> or <c>~/.kube/config</c>.</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>Nodes to wait for (active and registered) before Memshacks are placed over the cluster's known nodes; empty: none.</summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];

    public required string StateDir { get; init; }

    public required string PoolPath { get; init; }

    public ulong PoolCapacity { get; init; } = 256UL << 20;

    public DeviceMode DeviceMode { get; init; } = DeviceMode.Emulation;

    /// <summary>Set on this node's <c>MnemoNode</c> at every start (<c>k=v,k2=v2</c>, sorted by key); a MemoryMachine's
    /// <c>nodeSelector</c> selects nodes by them.</summary>
    public string NodeLabels { get; init; } = DefaultNodeLabels;

    public const string DefaultNodeLabels = "storage=pmem";

    /// <summary><see cref="NodeLabels"/> as a map.</summary>
    public IReadOnlyDictionary<string, string> NodeLabelMap => ParseLabels(NodeLabels);

    public TimeSpan IdleAge { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Added to every Memshack's <c>mcrouter_port</c>: 0 in production (one silo per host);
    /// silos sharing a host (the local cluster) need distinct gateway ports.</summary>
    public int MemshackPortOffset { get; init; }

    /// <summary>Settings of every Memshack's memcached gateway on this silo.</summary>
    public MemcachedGatewayOptions Memcached { get; init; } = GatewayDefaults;

    /// <summary>Pause between two anti-entropy passes, in which this silo compares the replicas of each
    /// shard whose ordering replica it holds and repairs the keys that differ.</summary>
    public TimeSpan AntiEntropyInterval { get; init; } = DefaultAntiEntropyInterval;

    public static readonly TimeSpan DefaultAntiEntropyInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long the move coordinator waits for a registered node that holds no replicas yet and is not
    /// Active before it places Memshacks without it (<see cref="JoiningNodes"/>).</summary>
    public TimeSpan NodeJoinGrace { get; init; } = JoiningNodes.DefaultGrace;

    /// <summary>The election of the silo that runs the reconciler (Lease <c>mnemo-reconciler</c> in <see cref="Namespace"/>).</summary>
    public LeaderElectionOptions LeaderElection { get; init; } = new();
    /// <summary>The gRPC API (<c>Api/</c>); port 0, the default of a settings object built in code, runs none.
    /// Read from the configuration, the port defaults to <see cref="GrpcGatewayOptions.DefaultPort"/>.</summary>
    public GrpcGatewayOptions Grpc { get; init; } = new();

    /// <summary>The token the management console and the Orleans Dashboard require; null: none, and then they
    /// are served only when <see cref="Host"/> is a loopback address. Never put in <see cref="ToArguments"/>:
    /// a command line is visible to every process of the machine.</summary>
    public string? ConsoleToken { get; init; }

    /// <summary>Mutual TLS between silos on the data plane; generated certificates by default.</summary>
    public SiloTlsOptions Tls { get; init; } = new();

    public IEnumerable<string> ToArguments()
    {
        string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
        yield return "--node-name"; yield return NodeName;
        yield return "--host"; yield return Host;
        yield return "--silo-port"; yield return Number(SiloPort);
        yield return "--gateway-port"; yield return Number(GatewayPort);
        yield return "--health-port"; yield return Number(HealthPort);
        yield return "--data-port"; yield return Number(DataPort);
        yield return "--cluster-id"; yield return ClusterId;
        yield return "--namespace"; yield return Namespace;
        if (Kubeconfig is not null)
        {
            yield return "--kubeconfig"; yield return Kubeconfig;
        }
        if (Nodes.Count > 0)
        {
            yield return "--nodes"; yield return string.Join(',', Nodes);
        }
        yield return "--state-dir"; yield return StateDir;
        yield return "--pool-path"; yield return PoolPath;
        yield return "--pool-capacity"; yield return PoolCapacity.ToString(CultureInfo.InvariantCulture);
        yield return "--device-mode"; yield return DeviceMode.ToString().ToLowerInvariant();
        yield return "--node-labels"; yield return NodeLabels;
        yield return "--idle-age"; yield return IdleAge.ToString("c", CultureInfo.InvariantCulture);
        yield return "--memshack-port-offset"; yield return Number(MemshackPortOffset);
        yield return "--memcached-max-connections"; yield return Number(Memcached.MaxConnections);
        yield return "--memcached-max-multiget-line"; yield return Number(Memcached.MaxMultiGetLineBytes);
        yield return "--memcached-flush-threshold"; yield return Number(Memcached.FlushThresholdBytes);
        yield return "--memcached-version"; yield return Memcached.Version;

        yield return "--anti-entropy-interval"; yield return AntiEntropyInterval.ToString("c", CultureInfo.InvariantCulture);
        yield return "--node-join-grace"; yield return NodeJoinGrace.ToString("c", CultureInfo.InvariantCulture);
        yield return "--leader-lease-duration"; yield return LeaderElection.LeaseDuration.ToString("c", CultureInfo.InvariantCulture);
        yield return "--leader-renew-deadline"; yield return LeaderElection.RenewDeadline.ToString("c", CultureInfo.InvariantCulture);
        yield return "--leader-retry-period"; yield return LeaderElection.RetryPeriod.ToString("c", CultureInfo.InvariantCulture);
        yield return "--grpc-port"; yield return Number(Grpc.Port);
        if (Grpc.CertificatePath is not null)
        {
            yield return "--grpc-certificate"; yield return Grpc.CertificatePath;
        }
        if (Grpc.CertificateKeyPath is not null)
        {
            yield return "--grpc-certificate-key"; yield return Grpc.CertificateKeyPath;
        }
        yield return "--grpc-max-message-size"; yield return Number(Grpc.MaxMessageBytes);
        yield return "--grpc-max-import-size"; yield return Grpc.MaxImportBytes.ToString(CultureInfo.InvariantCulture);
        yield return "--tls"; yield return Tls.Mode.ToString().ToLowerInvariant();
        if (Tls.SecretName is not null)
        {
            yield return "--tls-secret"; yield return Tls.SecretName;
        }
        yield return "--tls-certificate-lifetime"; yield return Tls.Lifetimes.Node.ToString("c", CultureInfo.InvariantCulture);
        yield return "--tls-renew-before"; yield return Tls.Lifetimes.RenewBefore.ToString("c", CultureInfo.InvariantCulture);
        yield return "--tls-ca-renew-before"; yield return Tls.Lifetimes.AuthorityRenewBefore.ToString("c", CultureInfo.InvariantCulture);
        yield return "--tls-ca-overlap"; yield return Tls.Lifetimes.AuthorityOverlap.ToString("c", CultureInfo.InvariantCulture);
    }

    /// <summary>Reads and validates the settings; throws <see cref="SiloConfigurationException"/>
    /// naming the setting at fault. <paramref name="environment"/> supplies the downward-API defaults.</summary>
    public static SiloSettings FromConfiguration(IConfiguration configuration, Func<string, string?> environment)
    {
        string? Get(string key) => configuration[key] is { Length: > 0 } value ? value.Trim() : null;
        string? Env(string name) => environment(name) is { Length: > 0 } value ? value.Trim() : null;

        var nodeName = Get("NODE_NAME") ?? Env("NODE_NAME") ?? Environment.MachineName;
        var stateDir = Get("STATE_DIR") ?? Path.Combine(".state", nodeName);
        return new SiloSettings
        {
            NodeName = nodeName,
            Host = Get("HOST") ?? Env("POD_IP") ?? "127.0.0.1",
            SiloPort = ParsePort("SILO_PORT", Get("SILO_PORT"), DefaultSiloPort),
            GatewayPort = ParsePort("GATEWAY_PORT", Get("GATEWAY_PORT"), DefaultGatewayPort),
            HealthPort = ParsePort("HEALTH_PORT", Get("HEALTH_PORT"), DefaultHealthPort),
            DataPort = ParsePort("DATA_PORT", Get("DATA_PORT"), DefaultDataPort),
            ClusterId = Get("CLUSTER_ID") ?? DefaultClusterId,
            Namespace = Get("NAMESPACE") ?? Env("POD_NAMESPACE") ?? "default",
            Kubeconfig = Get("KUBECONFIG"),
            Nodes = Get("NODES")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
            StateDir = stateDir,
            PoolPath = Get("POOL_PATH") ?? Path.Combine(stateDir, "pool"),
            PoolCapacity = Get("POOL_CAPACITY") is { } capacity ? ParseSize("POOL_CAPACITY", capacity) : 256UL << 20,
            DeviceMode = ParseDeviceMode(Get("DEVICE_MODE")),
            NodeLabels = Get("NODE_LABELS") is { } labels
                ? string.Join(',', ParseLabels(labels).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))
                : DefaultNodeLabels,
            IdleAge = ParsePositiveTimeSpan("IDLE_AGE", Get("IDLE_AGE"), "00:15:00", TimeSpan.FromMinutes(15)),
            AntiEntropyInterval = ParsePositiveTimeSpan("ANTI_ENTROPY_INTERVAL", Get("ANTI_ENTROPY_INTERVAL"), "00:00:30", DefaultAntiEntropyInterval),
            NodeJoinGrace = ParsePositiveTimeSpan("NODE_JOIN_GRACE", Get("NODE_JOIN_GRACE"), "00:05:00", JoiningNodes.DefaultGrace),
            LeaderElection = ParseLeaderElection(Get),
            ConsoleToken = Get("CONSOLE_TOKEN"),
            MemshackPortOffset = Get("MEMSHACK_PORT_OFFSET") is { } offset
                ? int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n < 65535
                    ? n
                    : throw new SiloConfigurationException("MEMSHACK_PORT_OFFSET", offset, "a non-negative port offset")
                : 0,
            Memcached = new MemcachedGatewayOptions
            {
                MaxConnections = Get("MEMCACHED_MAX_CONNECTIONS") is { } connections
                    ? int.TryParse(connections, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c > 0
                        ? c
                        : throw new SiloConfigurationException("MEMCACHED_MAX_CONNECTIONS", connections, "a number of connections above zero")
                    : GatewayDefaults.MaxConnections,
                MaxMultiGetLineBytes = ParseBufferSize("MEMCACHED_MAX_MULTIGET_LINE", Get("MEMCACHED_MAX_MULTIGET_LINE"), GatewayDefaults.MaxMultiGetLineBytes),
                FlushThresholdBytes = ParseBufferSize("MEMCACHED_FLUSH_THRESHOLD", Get("MEMCACHED_FLUSH_THRESHOLD"), GatewayDefaults.FlushThresholdBytes),
                // Sent in a reply line: one printable word.
                Version = Get("MEMCACHED_VERSION") is { } version
                    ? version.All(ch => ch is > ' ' and <= '~')
                        ? version
                        : throw new SiloConfigurationException("MEMCACHED_VERSION", version, "one word of printable ASCII, such as 1.6.18-mnemo")
                    : GatewayDefaults.Version,
            },
            Grpc = new GrpcGatewayOptions
            {
                Port = Get("GRPC_PORT") is { } grpcPort
                    ? int.TryParse(grpcPort, NumberStyles.None, CultureInfo.InvariantCulture, out var g) && g < 65536
                        ? g
                        : throw new SiloConfigurationException("GRPC_PORT", grpcPort, "a TCP port (1-65535), or 0 for no gRPC API")
                    : GrpcGatewayOptions.DefaultPort,
                CertificatePath = Get("GRPC_CERTIFICATE") is { } certificate
                    ? File.Exists(certificate) ? certificate : throw new SiloConfigurationException("GRPC_CERTIFICATE", certificate, "an existing PEM file")
                    : null,
                CertificateKeyPath = Get("GRPC_CERTIFICATE_KEY") is { } key
                    ? File.Exists(key) ? key : throw new SiloConfigurationException("GRPC_CERTIFICATE_KEY", key, "an existing PEM file")
                    : null,
                MaxMessageBytes = ParseBufferSize("GRPC_MAX_MESSAGE_SIZE", Get("GRPC_MAX_MESSAGE_SIZE"), GrpcGatewayOptions.DefaultMaxMessageBytes),
                MaxImportBytes = Get("GRPC_MAX_IMPORT_SIZE") is { } importSize
                    ? (long)Math.Min(ParseSize("GRPC_MAX_IMPORT_SIZE", importSize), long.MaxValue)
                    : GrpcGatewayOptions.DefaultMaxImportBytes,
            },
            Tls = ParseTls(Get),
        };
    }

    private static SiloTlsOptions ParseTls(Func<string, string?> get)
    {
        string? secret = get("TLS_SECRET");
        SiloTlsMode mode = get("TLS")?.ToLowerInvariant() switch
        {
            null => secret is null ? SiloTlsMode.Generated : SiloTlsMode.Provided,
            "generated" => SiloTlsMode.Generated,
            "provided" => SiloTlsMode.Provided,
            "off" => SiloTlsMode.Off,
            _ => throw new SiloConfigurationException("TLS", get("TLS")!, "generated, provided or off"),
        };
        if (mode == SiloTlsMode.Provided && secret is null)
            throw new SiloConfigurationException("TLS", "provided", "provided only with --tls-secret naming the Secret");
        if (mode != SiloTlsMode.Provided && secret is not null)
            throw new SiloConfigurationException("TLS_SECRET", secret, $"no Secret: --tls {mode.ToString().ToLowerInvariant()} does not use one");
        var defaults = new CertificateLifetimes();
        var lifetimes = defaults with
        {
            Node = ParsePositiveTimeSpan("TLS_CERTIFICATE_LIFETIME", get("TLS_CERTIFICATE_LIFETIME"), "90.00:00:00", defaults.Node),
            RenewBefore = ParsePositiveTimeSpan("TLS_RENEW_BEFORE", get("TLS_RENEW_BEFORE"), "30.00:00:00", defaults.RenewBefore),
            AuthorityRenewBefore = ParsePositiveTimeSpan("TLS_CA_RENEW_BEFORE", get("TLS_CA_RENEW_BEFORE"), "30.00:00:00", defaults.AuthorityRenewBefore),
            AuthorityOverlap = ParsePositiveTimeSpan("TLS_CA_OVERLAP", get("TLS_CA_OVERLAP"), "1.00:00:00", defaults.AuthorityOverlap),
        };
        if (lifetimes.RenewBefore >= lifetimes.Node)
            throw new SiloConfigurationException("TLS_RENEW_BEFORE", lifetimes.RenewBefore.ToString("c", CultureInfo.InvariantCulture),
                $"a time span shorter than the certificate lifetime ({lifetimes.Node.ToString("c", CultureInfo.InvariantCulture)})");
        if (lifetimes.AuthorityRenewBefore >= lifetimes.Authority)
            throw new SiloConfigurationException("TLS_CA_RENEW_BEFORE", lifetimes.AuthorityRenewBefore.ToString("c", CultureInfo.InvariantCulture),
                $"a time span shorter than the CA's lifetime ({lifetimes.Authority.ToString("c", CultureInfo.InvariantCulture)})");
        if (2 * lifetimes.AuthorityOverlap >= lifetimes.AuthorityRenewBefore)
            throw new SiloConfigurationException("TLS_CA_OVERLAP", lifetimes.AuthorityOverlap.ToString("c", CultureInfo.InvariantCulture),
                $"a time span less than half of --tls-ca-renew-before ({lifetimes.AuthorityRenewBefore.ToString("c", CultureInfo.InvariantCulture)})");
        return new SiloTlsOptions { Mode = mode, SecretName = secret, Lifetimes = lifetimes };
    }

    private static LeaderElectionOptions ParseLeaderElection(Func<string, string?> get)
    {
        var defaults = new LeaderElectionOptions();
        var options = new LeaderElectionOptions
        {
            LeaseDuration = ParsePositiveTimeSpan("LEADER_LEASE_DURATION", get("LEADER_LEASE_DURATION"), "00:00:15", defaults.LeaseDuration),
            RenewDeadline = ParsePositiveTimeSpan("LEADER_RENEW_DEADLINE", get("LEADER_RENEW_DEADLINE"), "00:00:10", defaults.RenewDeadline),
            RetryPeriod = ParsePositiveTimeSpan("LEADER_RETRY_PERIOD", get("LEADER_RETRY_PERIOD"), "00:00:02", defaults.RetryPeriod),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            string key = e.ParamName switch
            {
                nameof(LeaderElectionOptions.LeaseDuration) => "LEADER_LEASE_DURATION",
                nameof(LeaderElectionOptions.RenewDeadline) => "LEADER_RENEW_DEADLINE",
                _ => "LEADER_RETRY_PERIOD",
            };
            string value = key switch
            {
                "LEADER_LEASE_DURATION" => options.LeaseDuration.ToString("c", CultureInfo.InvariantCulture),
                "LEADER_RENEW_DEADLINE" => options.RenewDeadline.ToString("c", CultureInfo.InvariantCulture),
                _ => options.RetryPeriod.ToString("c", CultureInfo.InvariantCulture),
            };
            throw new SiloConfigurationException(key, value, "lease duration > renew deadline > retry period");
        }
        return options;
    }

    /// <summary>A buffer size: a Kubernetes quantity from 1 byte to 1Gi (the gateway holds it per connection).</summary>
    private static int ParseBufferSize(string key, string? text, int fallback)
    {
        if (text is null)
            return fallback;
        ulong bytes = ParseSize(key, text);
        return bytes <= 1UL << 30 ? (int)bytes : throw new SiloConfigurationException(key, text, "a size up to 1Gi");
    }

    private static int ParsePort(string key, string? text, int fallback)
    {
        if (text is null)
            return fallback;
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and < 65536
            ? port
            : throw new SiloConfigurationException(key, text, "a TCP port (1-65535)");
    }

    /// <summary>A size above zero, as a Kubernetes quantity (<see cref="ByteSize"/>).</summary>
    internal static ulong ParseSize(string key, string text) =>
        ByteSize.TryParse(text, out ulong bytes, out string problem) && bytes > 0
            ? bytes
            : throw new SiloConfigurationException(key, text, $"{ByteSize.Expected}, above zero (the value {(problem.Length > 0 ? problem : "is zero")})");

    private static TimeSpan ParsePositiveTimeSpan(string key, string? text, string example, TimeSpan fallback)
    {
        if (text is null)
            return fallback;
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero
            ? span
            : throw new SiloConfigurationException(key, text, $"a positive time span such as {example}");
    }

    private static Dictionary<string, string> ParseLabels(string text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int equals = pair.IndexOf('=');
            if (equals <= 0 || !System.Text.RegularExpressions.Regex.IsMatch(pair, @"^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?=([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$"))
                throw new SiloConfigurationException("NODE_LABELS", text, "labels as key=value[,key=value], each a Kubernetes label");
            labels[pair[..equals]] = pair[(equals + 1)..];
        }
        return labels;
    }

    private static DeviceMode ParseDeviceMode(string? text) => text?.ToLowerInvariant() switch
    {
        null or "emulation" => DeviceMode.Emulation,
        "fsdax" => DeviceMode.FsDax,
        "devdax" => DeviceMode.DevDax,
        _ => throw new SiloConfigurationException("DEVICE_MODE", text, "emulation, fsdax or devdax"),
    };
}
