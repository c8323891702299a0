using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>Three silo processes serving the Memshack <c>default/sample</c> (3 shards x 2 replicas); node-2 requires a console token.</summary>
public sealed class ConsoleClusterFixture : IAsyncLifetime
{
    public const string Token = "console-test-token";
    public const string Sample = "default/sample";

    public TestCluster Cluster { get; private set; } = null!;

    public int SampleBasePort { get; private set; }

    public Uri Console(int node) => new($"http://127.0.0.1:{Cluster.Settings[node].HealthPort}/console/");

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(3, (i, settings) => settings with
        {
            MemshackPortOffset = i,
            ConsoleToken = i == 2 ? Token : null,
        }, readyTimeout: TimeSpan.FromMinutes(4));
        SampleBasePort = LoopbackPorts.FreeRange(3);
        await MemshackCluster.ApplyAsync(Cluster, "sample", SampleBasePort, "all");
    }

    public async Task DisposeAsync()
    {
        if (Cluster is not null)
            await Cluster.DisposeAsync();
    }
}

/// <summary>The test classes that share one <see cref="ConsoleClusterFixture"/> (run one after the other).</summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCluster : ICollectionFixture<ConsoleClusterFixture>
{
    public const string Name = "console cluster";
}
