using Mnemo.Tests.Shared;

namespace Mnemo.Memshack.Tests;

/// <summary>libmemcached's conformance suite against the gateway over a 3-shard Ch3 store.</summary>
public sealed class MemccapableTests
{
    [Theory]
    [InlineData("-a")]
    [InlineData("-b")]
    public async Task Every_memccapable_test_passes(string protocolFlag)
    {
        await using GatewayServer gateway = await GatewayServer.StartAsync(shards: 3);
        await ExternalTools.AssertMemccapablePassesAsync(gateway.Port, protocolFlag);
    }
}
