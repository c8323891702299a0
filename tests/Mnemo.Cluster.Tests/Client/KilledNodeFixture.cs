using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>A <see cref="MemshackCluster"/> of its own whose node-0 the tests kill (<c>kill -9</c>), once, when they need it gone.</summary>
public sealed class KilledNodeFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _killing = new(1, 1);
    private bool _killed;

    public MemshackCluster Memshacks { get; private set; } = null!;

    public TestCluster Cluster => Memshacks.Cluster;

    public async Task KillNode0Async()
    {
        await _killing.WaitAsync();
        try
        {
            if (!_killed)
                await Cluster.KillAsync(0);
            _killed = true;
        }
        finally
        {
            _killing.Release();
        }
    }

    public async Task InitializeAsync() => Memshacks = await MemshackCluster.StartAsync();

    public async Task DisposeAsync() => await Memshacks.DisposeAsync();
}
