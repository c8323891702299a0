using Grpc.Net.Client;
using Mnemo.Api.V1;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>One <see cref="MemshackCluster"/> (three silo processes, each with its gRPC API) shared by the gRPC tests, with a channel per node.</summary>
public sealed class GrpcClusterFixture : IAsyncLifetime
{
    public MemshackCluster Memshacks { get; private set; } = null!;

    public GrpcChannel[] Channels { get; private set; } = [];

    public TestCluster Cluster => Memshacks.Cluster;

    public static MemshackName Strict => new() { Namespace = "default", Name = "strict" };

    public Api.V1.Cache.CacheClient Cache(int node) => new(Channels[node]);

    public async Task InitializeAsync()
    {
        Memshacks = await MemshackCluster.StartAsync();
        Channels = Enumerable.Range(0, Cluster.Settings.Length).Select(i => GrpcChannel.ForAddress(Cluster.GrpcAddress(i))).ToArray();
    }

    public async Task DisposeAsync()
    {
        foreach (GrpcChannel channel in Channels)
            channel.Dispose();
        // Null when the cluster never started: the start's own failure is the one to see.
        if (Memshacks is not null)
            await Memshacks.DisposeAsync();
    }
}
