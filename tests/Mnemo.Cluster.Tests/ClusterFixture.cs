using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>One 3-silo cluster shared by the tests that do not kill silos.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await TestCluster.StartAsync(3);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
