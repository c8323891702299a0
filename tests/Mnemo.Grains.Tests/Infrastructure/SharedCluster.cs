namespace Mnemo.Grains.Tests;

/// <summary>One 3-silo cluster for the test classes that never kill a silo.</summary>
public sealed class SharedCluster : IAsyncLifetime
{
    public MnemoCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await MnemoCluster.StartAsync(3);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class SharedClusterCollection : ICollectionFixture<SharedCluster>
{
    public const string Name = "shared 3-silo cluster";
}
