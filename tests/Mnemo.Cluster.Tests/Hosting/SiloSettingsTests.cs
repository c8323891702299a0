using Microsoft.Extensions.Configuration;
using Mnemo.Api;
using Mnemo.DataPlane;
using Mnemo.Kubernetes.Certificates;
using Mnemo.NativeEngine;
using Mnemo.Silo;
using Xunit;

namespace Mnemo.Cluster.Tests;

public sealed class SiloSettingsTests
{
    [Fact]
    public void Switches_set_every_setting()
    {
        var settings = SiloConfiguration.Read([
            "--node-name", "n7", "--host", "127.0.0.2", "--silo-port", "2000", "--gateway-port", "2003", "--health-port", "2001",
            "--data-port", "2002", "--cluster-id", "c1", "--namespace", "ns", "--kubeconfig", "kc", "--nodes", "a, b",
            "--state-dir", "s", "--pool-path", "p", "--pool-capacity", "1Gi", "--device-mode", "fsdax", "--idle-age", "00:00:30",
            "--memshack-port-offset", "3", "--memcached-max-connections", "10", "--memcached-max-multiget-line", "64Ki",
            "--memcached-flush-threshold", "128k", "--memcached-version", "1.6.30", "--anti-entropy-interval", "00:00:02",
            "--leader-lease-duration", "00:00:20", "--leader-renew-deadline", "00:00:12", "--leader-retry-period", "00:00:03",
            "--node-labels", "zone=a, storage=pmem"]);

        Assert.Equal("n7", settings.NodeName);
        Assert.Equal("127.0.0.2", settings.Host);
        Assert.Equal(2000, settings.SiloPort);
        Assert.Equal(2003, settings.GatewayPort);
        Assert.Equal(2001, settings.HealthPort);
        Assert.Equal(2002, settings.DataPort);
        Assert.Equal("c1", settings.ClusterId);
        Assert.Equal("ns", settings.Namespace);
        Assert.Equal("kc", settings.Kubeconfig);
        Assert.Equal(["a", "b"], settings.Nodes);
        Assert.Equal("s", settings.StateDir);
        Assert.Equal("p", settings.PoolPath);
        Assert.Equal(1UL << 30, settings.PoolCapacity);
        Assert.Equal(DeviceMode.FsDax, settings.DeviceMode);
        Assert.Equal("storage=pmem,zone=a", settings.NodeLabels);
        Assert.Equal(new Dictionary<string, string> { ["storage"] = "pmem", ["zone"] = "a" }, settings.NodeLabelMap);
        Assert.Equal(TimeSpan.FromSeconds(30), settings.IdleAge);
        Assert.Equal(3, settings.MemshackPortOffset);
        Assert.Equal(new MemcachedGatewayOptions { MaxConnections = 10, MaxMultiGetLineBytes = 64 << 10, FlushThresholdBytes = 128_000, Version = "1.6.30" },
            settings.Memcached);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.AntiEntropyInterval);
        Assert.Equal((TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(12), TimeSpan.FromSeconds(3)),
            (settings.LeaderElection.LeaseDuration, settings.LeaderElection.RenewDeadline, settings.LeaderElection.RetryPeriod));
    }

    [Fact]
    public void Node_labels_default_to_storage_pmem_and_a_malformed_one_is_refused_naming_the_setting()
    {
        Assert.Equal(SiloSettings.DefaultNodeLabels, SiloConfiguration.Read(["--node-name", "n1"]).NodeLabels);
        var error = Assert.Throws<SiloConfigurationException>(() => SiloConfiguration.Read(["--node-name", "n1", "--node-labels", "storage"]));
        Assert.Contains("MNEMO_NODE_LABELS / --node-labels 'storage'", error.Message);
    }

    [Fact]
    public void Tls_is_generated_by_default_and_set_by_its_switches()
    {
        Assert.Equal(new SiloTlsOptions(), SiloConfiguration.Read(["--node-name", "n1"]).Tls);

        var settings = SiloConfiguration.Read(["--node-name", "n1", "--tls-secret", "own-certs", "--tls-certificate-lifetime", "00:02:00",
            "--tls-renew-before", "00:01:30", "--tls-ca-renew-before", "10.00:00:00", "--tls-ca-overlap", "2.00:00:00"]);
        Assert.Equal(new SiloTlsOptions
        {
            Mode = SiloTlsMode.Provided,
            SecretName = "own-certs",
            Lifetimes = new CertificateLifetimes
            {
                Node = TimeSpan.FromMinutes(2),
                RenewBefore = TimeSpan.FromSeconds(90),
                AuthorityRenewBefore = TimeSpan.FromDays(10),
                AuthorityOverlap = TimeSpan.FromDays(2),
            },
        }, settings.Tls);
        Assert.Equal(TimeSpan.FromSeconds(9), settings.Tls.CheckInterval);
        Assert.Equal(settings, SiloConfiguration.Read([.. settings.ToArguments()]) with { Nodes = settings.Nodes });
        Assert.Equal(SiloTlsMode.Off, SiloConfiguration.Read(["--node-name", "n1", "--tls", "OFF"]).Tls.Mode);
    }

    [Theory]
    [InlineData("--tls", "maybe", "generated, provided or off")]
    [InlineData("--tls", "provided", "only with --tls-secret")]
    [InlineData("--tls-renew-before", "100.00:00:00", "shorter than the certificate lifetime")]
    [InlineData("--tls-certificate-lifetime", "-00:01:00", "a positive time span")]
    [InlineData("--tls-ca-renew-before", "365.00:00:00", "shorter than the CA's lifetime")]
    [InlineData("--tls-ca-overlap", "15.00:00:00", "less than half of --tls-ca-renew-before")]
    [InlineData("--tls-ca-overlap", "00:00:00", "a positive time span")]
    public void Bad_tls_settings_are_refused_naming_the_setting(string name, string value, string expected)
    {
        var error = Assert.Throws<SiloConfigurationException>(() => SiloConfiguration.Read(["--node-name", "n1", name, value]));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_lease_shorter_than_its_renew_deadline_is_refused_naming_the_setting()
    {
        var error = Assert.Throws<SiloConfigurationException>(() => SiloConfiguration.Read(["--node-name", "n1", "--leader-lease-duration", "00:00:05"]));
        Assert.Contains("MNEMO_LEADER_LEASE_DURATION / --leader-lease-duration '00:00:05'", error.Message);
        Assert.Contains("lease duration > renew deadline > retry period", error.Message);
    }

    [Fact]
    public void Grpc_settings_come_from_switches_and_the_environment_and_default_to_loopback_h2c()
    {
        string certificate = Path.GetTempFileName();
        try
        {
            var settings = SiloConfiguration.Read(["--grpc-port", "2005", "--grpc-certificate", certificate, "--grpc-max-message-size", "8Mi",
                "--grpc-max-import-size", "2Gi"]);
            Assert.Equal(new GrpcGatewayOptions { Port = 2005, CertificatePath = certificate, MaxMessageBytes = 8 << 20, MaxImportBytes = 2L << 30 }, settings.Grpc);
            Assert.Equal(settings, SiloConfiguration.Read([.. settings.ToArguments()]) with { Nodes = settings.Nodes });
        }
        finally
        {
            File.Delete(certificate);
        }

        var environment = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["GRPC_PORT"] = "0" }).Build();
        Assert.Equal(0, SiloSettings.FromConfiguration(environment, _ => null).Grpc.Port);
        GrpcGatewayOptions defaults = SiloSettings.FromConfiguration(new ConfigurationBuilder().Build(), _ => null).Grpc;
        Assert.Equal(new GrpcGatewayOptions { Port = GrpcGatewayOptions.DefaultPort }, defaults);
        Assert.Equal(System.Net.IPAddress.Loopback, GrpcGateway.AddressOf(defaults, System.Net.IPAddress.Parse("10.1.2.3")));
    }

    [Fact]
    public void Settings_survive_the_round_trip_through_arguments()
    {
        var settings = SiloConfiguration.Read(["--node-name", "n1", "--nodes", "n0,n1", "--pool-capacity", "64M", "--device-mode", "devdax",
            "--data-port", "4000", "--kubeconfig", "k", "--memshack-port-offset", "2", "--memcached-max-connections", "7", "--leader-lease-duration", "00:00:30"]);

        var again = SiloConfiguration.Read([.. settings.ToArguments()]);

        Assert.Equal(settings with { Nodes = again.Nodes }, again);
        Assert.Equal(settings.Nodes, again.Nodes);
    }

    [Fact]
    public void Defaults_derive_paths_from_the_node_name_and_take_the_downward_api()
    {
        var empty = new ConfigurationBuilder().Build();
        var pod = new Dictionary<string, string> { ["NODE_NAME"] = "worker-3", ["POD_IP"] = "10.1.2.3", ["POD_NAMESPACE"] = "mnemo-system" };

        var settings = SiloSettings.FromConfiguration(empty, name => pod.GetValueOrDefault(name));

        Assert.Equal("worker-3", settings.NodeName);
        Assert.Equal("10.1.2.3", settings.Host);
        Assert.Equal("mnemo-system", settings.Namespace);
        Assert.Equal(Path.Combine(".state", "worker-3"), settings.StateDir);
        Assert.Equal(Path.Combine(".state", "worker-3", "pool"), settings.PoolPath);
        Assert.Equal(SiloSettings.DefaultSiloPort, settings.SiloPort);
        Assert.Equal(SiloSettings.DefaultGatewayPort, settings.GatewayPort);
        Assert.Equal(SiloSettings.DefaultClusterId, settings.ClusterId);
        Assert.Null(settings.Kubeconfig);
        Assert.Empty(settings.Nodes);
        Assert.Equal(256UL << 20, settings.PoolCapacity);
        Assert.Equal(new MemcachedGatewayOptions(), settings.Memcached);
    }

    [Fact]
    public void Gateway_settings_come_from_the_environment_too()
    {
        var environment = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MEMCACHED_MAX_CONNECTIONS"] = "3", ["MEMCACHED_FLUSH_THRESHOLD"] = "1Mi",
        }).Build();

        var settings = SiloSettings.FromConfiguration(environment, _ => null);

        Assert.Equal(3, settings.Memcached.MaxConnections);
        Assert.Equal(1 << 20, settings.Memcached.FlushThresholdBytes);
        Assert.Equal(new MemcachedGatewayOptions().MaxMultiGetLineBytes, settings.Memcached.MaxMultiGetLineBytes);
    }

    [Theory]
    [InlineData("--silo-port", "0", "MNEMO_SILO_PORT")]
    [InlineData("--gateway-port", "http", "MNEMO_GATEWAY_PORT")]
    [InlineData("--pool-capacity", "12XB", "MNEMO_POOL_CAPACITY")]
    [InlineData("--pool-capacity", "256MiB", "MNEMO_POOL_CAPACITY")]
    [InlineData("--pool-capacity", "-1Gi", "MNEMO_POOL_CAPACITY")]
    [InlineData("--pool-capacity", "1.5", "MNEMO_POOL_CAPACITY")]
    [InlineData("--pool-capacity", "0", "MNEMO_POOL_CAPACITY")]
    [InlineData("--memcached-max-connections", "0", "MNEMO_MEMCACHED_MAX_CONNECTIONS")]
    [InlineData("--memcached-max-connections", "many", "MNEMO_MEMCACHED_MAX_CONNECTIONS")]
    [InlineData("--memcached-max-multiget-line", "2Gi", "MNEMO_MEMCACHED_MAX_MULTIGET_LINE")]
    [InlineData("--memcached-flush-threshold", "1KB", "MNEMO_MEMCACHED_FLUSH_THRESHOLD")]
    [InlineData("--memcached-version", "1.6 beta", "MNEMO_MEMCACHED_VERSION")]
    [InlineData("--device-mode", "pmem", "MNEMO_DEVICE_MODE")]
    [InlineData("--idle-age", "-00:01:00", "MNEMO_IDLE_AGE")]
    [InlineData("--anti-entropy-interval", "0", "MNEMO_ANTI_ENTROPY_INTERVAL")]
    [InlineData("--node-join-grace", "soon", "MNEMO_NODE_JOIN_GRACE")]
    [InlineData("--data-port", "70000", "MNEMO_DATA_PORT")]
    [InlineData("--memshack-port-offset", "-1", "MNEMO_MEMSHACK_PORT_OFFSET")]
    [InlineData("--grpc-port", "65536", "MNEMO_GRPC_PORT")]
    [InlineData("--grpc-certificate", "/nonexistent/cert.pem", "MNEMO_GRPC_CERTIFICATE")]
    [InlineData("--grpc-max-message-size", "0", "MNEMO_GRPC_MAX_MESSAGE_SIZE")]
    [InlineData("--grpc-max-import-size", "0", "MNEMO_GRPC_MAX_IMPORT_SIZE")]
    public void Bad_values_name_the_setting(string option, string value, string named)
    {
        var e = Assert.Throws<SiloConfigurationException>(() => SiloConfiguration.Read([option, value]));

        Assert.Contains(named, e.Message);
        Assert.Contains(value, e.Message);
    }

    [Fact]
    public void Unknown_switches_and_missing_values_are_errors()
    {
        Assert.Contains("--nodename", Assert.Throws<ArgumentException>(() => SiloConfiguration.Read(["--nodename", "x"])).Message);
        Assert.Contains("needs a value", Assert.Throws<ArgumentException>(() => SiloConfiguration.Read(["--silo-port"])).Message);
    }

    [Fact]
    public void Help_lists_every_switch_with_its_variable()
    {
        string help = SiloConfiguration.Help();

        Assert.All(SiloSettings.Switches, s => Assert.Contains($"{s.Switch}  MNEMO_{s.Key}", help));
        Assert.Contains($"(default {new MemcachedGatewayOptions().MaxConnections})", help);
    }

    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("512Ki", 512UL << 10)]
    [InlineData("512k", 512_000UL)]
    [InlineData("256Mi", 256UL << 20)]
    [InlineData("256M", 256_000_000UL)]
    [InlineData("1.5Gi", 3UL << 29)]
    public void Pool_capacity_is_a_kubernetes_quantity(string text, ulong bytes) =>
        Assert.Equal(bytes, SiloConfiguration.Read(["--pool-capacity", text]).PoolCapacity);
}
