using Mnemo.Cluster.Tests.Infrastructure;
using Mnemo.Grains;
using Mnemo.Runtime;
using Mnemo.Runtime.Messaging;
using Xunit;

namespace Mnemo.Cluster.Tests;

public sealed class InProcessClusterTests
{
    [Fact]
    public async Task In_process_silos_converge_serve_node_pinned_grains_and_detect_a_crash()
    {
        await using var cluster = await InProcessCluster.StartAsync(2);
        using var client = await cluster.ConnectAsync(0);
        await WaitUntilAsync(async () => (await client.GetMembersAsync()).Count(m => m.Status == "Active") == 2);

        Assert.Equal("node-0", (await client.GetGrain<INodeMemoryGrain>("node-0").GetUsageAsync()).NodeName);
        Assert.Equal("node-1", (await client.GetGrain<INodeMemoryGrain>("node-1").GetUsageAsync()).NodeName);

        await cluster.CrashAsync(1);
        await WaitUntilAsync(async () => (await client.GetMembersAsync()).Single(m => m.NodeName == "node-1").Status == "Dead");
        var e = await Record.ExceptionAsync(() => client.GetGrain<INodeMemoryGrain>("node-1").GetUsageAsync());
        Assert.True(e is SiloUnavailableException or GrainCallException, e?.ToString() ?? "the call succeeded");
        Assert.Contains("node-1", e!.Message);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 30 s");
            await Task.Delay(100);
        }
    }
}
