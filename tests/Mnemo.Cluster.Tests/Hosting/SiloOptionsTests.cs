using Mnemo.NativeEngine;
using Mnemo.Silo.Hosting;
using Xunit;

namespace Mnemo.Cluster.Tests.Hosting;

public sealed class SiloOptionsTests
{
    [Fact]
    public void Switches_set_every_option()
    {
        var options = SiloConfiguration.Read([
            "--node-name", "n7", "--host", "127.0.0.2", "--silo-port", "2000", "--health-port", "2001",
            "--peers", "127.0.0.1:3000, 127.0.0.1:3001", "--state-dir", "s", "--pool-path", "p",
            "--pool-capacity", "1GiB", "--device-mode", "fsdax", "--idle-age", "00:00:30", "--grain-assemblies", "a.dll,b.dll",
            "--data-port", "2002", "--memshack-manifests", "k8s/samples", "--memshack-port-offset", "3"]);

        Assert.Equal("n7", options.NodeName);
        Assert.Equal("127.0.0.2", options.Host);
        Assert.Equal(2000, options.SiloPort);
        Assert.Equal(2001, options.HealthPort);
        Assert.Equal(["127.0.0.1:3000", "127.0.0.1:3001"], options.Peers);
        Assert.Equal("s", options.StateDir);
        Assert.Equal("p", options.PoolPath);
        Assert.Equal(1UL << 30, options.PoolCapacity);
        Assert.Equal(DeviceMode.FsDax, options.DeviceMode);
        Assert.Equal(TimeSpan.FromSeconds(30), options.IdleAge);
        Assert.Equal(["a.dll", "b.dll"], options.GrainAssemblies);
        Assert.Equal(2002, options.DataPort);
        Assert.Equal("k8s/samples", options.MemshackManifests);
        Assert.Equal(3, options.MemshackPortOffset);
    }

    [Fact]
    public void Options_survive_the_round_trip_through_arguments()
    {
        var options = SiloConfiguration.Read(["--node-name", "n1", "--peers", "h:1,h:2", "--pool-capacity", "64M", "--device-mode", "devdax",
            "--data-port", "4000", "--memshack-manifests", "m", "--memshack-port-offset", "2"]);

        var again = SiloConfiguration.Read([.. options.ToArguments()]);

        Assert.Equal(options with { Peers = again.Peers, GrainAssemblies = again.GrainAssemblies }, again);
        Assert.Equal(options.Peers, again.Peers);
    }

    [Fact]
    public void Defaults_derive_paths_from_the_node_name()
    {
        var options = SiloConfiguration.Read(["--node-name", "n2"]);

        Assert.Equal(Path.Combine(".state", "n2"), options.StateDir);
        Assert.Equal(Path.Combine(".state", "n2", "pool"), options.PoolPath);
        Assert.Equal(SiloOptions.DefaultSiloPort, options.SiloPort);
        Assert.Equal(256UL << 20, options.PoolCapacity);
    }

    [Theory]
    [InlineData("--silo-port", "0", "MNEMO_SILO_PORT")]
    [InlineData("--health-port", "http", "MNEMO_HEALTH_PORT")]
    [InlineData("--peers", "127.0.0.1", "MNEMO_PEERS")]
    [InlineData("--pool-capacity", "12XB", "MNEMO_POOL_CAPACITY")]
    [InlineData("--device-mode", "pmem", "MNEMO_DEVICE_MODE")]
    [InlineData("--idle-age", "-00:01:00", "MNEMO_IDLE_AGE")]
    [InlineData("--data-port", "70000", "MNEMO_DATA_PORT")]
    [InlineData("--memshack-port-offset", "-1", "MNEMO_MEMSHACK_PORT_OFFSET")]
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

    [Theory]
    [InlineData("4096", 4096UL)]
    [InlineData("512K", 512UL << 10)]
    [InlineData("256MiB", 256UL << 20)]
    [InlineData("2gb", 2UL << 30)]
    public void Byte_sizes_accept_binary_suffixes(string text, ulong bytes) => Assert.Equal(bytes, ByteSize.Parse("X", text));
}
