using System.Diagnostics;
using Mnemo.Cluster.Tests.Infrastructure;
using Mnemo.Grains;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Transport;
using Xunit;
using Xunit.Abstractions;

namespace Mnemo.Cluster.Tests;

/// <summary>kill -9 of silos; each test runs its own cluster.</summary>
public sealed class FaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killed_silo_is_declared_dead_and_returns_only_as_a_new_generation()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var oldIncarnation = (await cluster.MembersSeenByAsync(2)).Responder;

        var watch = Stopwatch.StartNew();
        await cluster.KillAsync(2);
        await cluster.WaitUntilAsync(async () =>
        {
            foreach (var survivor in new[] { 0, 1 })
            {
                var members = await cluster.MembersSeenByAsync(survivor);
                if (members.Members.Single(m => m.Address.NodeName == "node-2").Status != MemberStatus.Dead)
                    return false;
            }
            return true;
        }, TimeSpan.FromSeconds(30), "node-2 to be declared dead");
        output.WriteLine($"kill -9 to declared dead on both survivors: {watch.ElapsedMilliseconds} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");

        await cluster.RestartAsync(2);
        await cluster.WaitForMembershipAsync([0, 1, 2], TimeSpan.FromSeconds(30));
        var newIncarnation = (await cluster.MembersSeenByAsync(2)).Responder;
        Assert.True(newIncarnation.Generation > oldIncarnation.Generation);
        var seenBySurvivor = (await cluster.MembersSeenByAsync(0)).Members.Single(m => m.Address.NodeName == "node-2");
        Assert.Equal(newIncarnation.Generation, seenBySurvivor.Address.Generation);

        // The dead incarnation is refused both as a member and as a caller.
        using var transport = new Http2MessageTransport();
        var survivorAddress = new SiloAddress("127.0.0.1", cluster.Options[0].SiloPort, 0, "node-0");
        var pong = await transport.PingAsync(survivorAddress,
            new PingRequest { Sender = oldIncarnation, SenderStatus = MemberStatus.Active }, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.True(pong.SenderDeclaredDead);
        var call = await transport.SendAsync(survivorAddress, new GrainRequest
        {
            Id = 1,
            GrainType = "node-memory",
            GrainKey = "node-0",
            InterfaceName = typeof(INodeMemoryGrain).FullName,
            Method = nameof(INodeMemoryGrain.GetUsageAsync),
            Sender = oldIncarnation,
            DeadlineUnixMs = DateTimeOffset.UtcNow.AddSeconds(10).ToUnixTimeMilliseconds(),
        }, CancellationToken.None);
        Assert.Equal(GrainResponse.Types.Status.SiloUnavailable, call.Status);
        Assert.Contains("declared dead", call.Message);
        // The membership view is unchanged by the stale incarnation's attempts.
        await cluster.WaitForMembershipAsync([0, 1, 2], TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Grains_of_a_killed_silo_fail_fast_then_reactivate_on_a_survivor()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        using var client = await cluster.ConnectAsync([cluster.Gateways[0]], deadline: TimeSpan.FromSeconds(20));
        var key = await FindKeyPlacedOnAsync(client, "node-1");
        var grain = client.GetGrain<IWhereGrain>(key);
        Assert.Equal(1, await grain.IncrementAsync());

        var sinceKill = Stopwatch.StartNew();
        await cluster.KillAsync(1);

        TimeSpan? firstFailure = null;
        var failures = 0;
        string silo;
        while (true)
        {
            var attempt = Stopwatch.StartNew();
            try
            {
                silo = await grain.GetSiloAsync();
                break;
            }
            catch (Exception e) when (e is SiloUnavailableException or Runtime.GrainCallException or TimeoutException)
            {
                Assert.IsNotType<TimeoutException>(e);
                firstFailure ??= attempt.Elapsed;
                failures++;
                Assert.True(attempt.Elapsed < TimeSpan.FromSeconds(5), $"a failing call took {attempt.Elapsed}: {e.Message}");
            }
            Assert.True(sinceKill.Elapsed < TimeSpan.FromSeconds(30), "no survivor took the grain over within 30 s");
            await Task.Delay(50);
        }
        var recovery = sinceKill.Elapsed;

        output.WriteLine($"kill -9 to first successful call (re-activated on {silo}): {recovery.TotalMilliseconds:0} ms; " +
                         $"{failures} failed calls, the first failed after {firstFailure?.TotalMilliseconds ?? 0:0} ms");
        Assert.DoesNotContain("node-1", silo);
        Assert.Equal(1, await grain.IncrementAsync());
    }

    [Fact]
    public async Task Client_fails_over_to_another_gateway_when_its_gateway_dies()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        using var client = await cluster.ConnectAsync([cluster.Gateways[0], cluster.Gateways[1]]);
        var grain = client.GetGrain<INodeMemoryGrain>("node-2");
        Assert.Equal("node-2", (await grain.GetUsageAsync()).NodeName);

        await cluster.KillAsync(0);

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<SiloUnavailableException>(() => grain.GetUsageAsync());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"the failed call took {watch.Elapsed}");
        Assert.Equal("node-2", (await grain.GetUsageAsync()).NodeName);
        Assert.Contains((await client.GetMembersAsync()), m => m.NodeName == "node-1" && m.Status == "Active");
    }

    [Fact]
    public async Task Graceful_stop_announces_the_departure_before_the_process_exits()
    {
        await using var cluster = await TestCluster.StartAsync(2);
        using var client = await cluster.ConnectAsync([cluster.Gateways[0]]);
        var key = await FindKeyPlacedOnAsync(client, "node-1");
        Assert.Equal(1, await client.GetGrain<IWhereGrain>(key).IncrementAsync());

        await cluster.StopAsync(1);

        // No probe could have failed three times yet: node-0 knows because node-1 told it.
        var seen = (await cluster.MembersSeenByAsync(0)).Members.Single(m => m.Address.NodeName == "node-1");
        Assert.Equal(MemberStatus.Dead, seen.Status);
        Assert.StartsWith("node-0/", await client.GetGrain<IWhereGrain>(key).GetSiloAsync());
    }

    private static async Task<string> FindKeyPlacedOnAsync(Client.ClusterClient client, string node)
    {
        for (var i = 0; i < 200; i++)
        {
            var key = $"victim-{i}";
            if ((await client.GetGrain<IWhereGrain>(key).GetSiloAsync()).StartsWith(node + "/", StringComparison.Ordinal))
                return key;
        }
        throw new InvalidOperationException($"no key among 200 was placed on {node}");
    }
}
