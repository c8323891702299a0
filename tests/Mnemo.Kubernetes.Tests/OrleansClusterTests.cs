using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Mnemo.Kubernetes.Tests;

/// <summary>A real three-silo Orleans cluster and a client, in-process on loopback, clustered through the table.</summary>
[Collection(KubeApiCollection.Name)]
public sealed class OrleansClusterTests(KubeApiFixture api, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private static readonly string[] Nodes = ["node-0", "node-1", "node-2"];

    [Fact]
    public async Task Three_silos_form_a_cluster_serve_a_client_and_see_a_stopped_silo_die()
    {
        var clusterId = "cluster-" + Guid.NewGuid().ToString("N")[..12];
        var ports = FreePorts(6);
        var silos = Enumerable.Range(0, 3).Select(i => BuildSilo(clusterId, i, ports[2 * i], ports[2 * i + 1])).ToList();
        IHost? client = null;
        try
        {
            await silos[0].StartAsync();
            await Task.WhenAll(silos.Skip(1).Select(s => s.StartAsync()));

            await Eventually.UntilAsync(
                () => silos.All(s => ActiveNames(s).SetEquals(Nodes)), Timeout, "every silo sees all three Active");

            using (var raw = api.Connect())
            {
                var rows = await ResourceProbe.SilosAsync(raw, clusterId);
                Assert.Equal(Nodes, rows.Select(r => r.Spec.SiloName).Order());
                Assert.All(rows, r => Assert.Equal(nameof(SiloStatus.Active), r.Spec.Status));
                Assert.All(rows, r => Assert.Equal(r.Spec.SiloName, r.Metadata.Labels[MnemoResources.NodeLabel]));
            }

            client = BuildClient(clusterId);
            await client.StartAsync();
            var grains = client.Services.GetRequiredService<IClusterClient>();
            Assert.Contains(await grains.GetGrain<IWhereGrain>(0).SiloName().WaitAsync(Timeout), Nodes);

            // Stop node-2: the others see it die, and so does its row.
            var stopped = silos[2].Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            await silos[2].StopAsync();
            await Eventually.UntilAsync(
                () => silos.Take(2).All(s => Membership(s).CurrentSnapshot.GetSiloStatus(stopped) == SiloStatus.Dead),
                Timeout, "node-0 and node-1 see node-2 Dead");
            using (var raw = api.Connect())
            {
                var row = (await ResourceProbe.SilosAsync(raw, clusterId)).Single(r => r.Spec.SiloName == "node-2");
                Assert.Equal(nameof(SiloStatus.Dead), row.Spec.Status);
            }

            // The client keeps working through the remaining gateways.
            Assert.Contains(await grains.GetGrain<IWhereGrain>(1).SiloName().WaitAsync(Timeout), Nodes.Take(2));
        }
        finally
        {
            if (client is not null) await StopQuietly(client);
            foreach (var silo in silos) await StopQuietly(silo);
            using var cleanup = new KubernetesMembershipTable(
                Options.Create(api.MembershipOptions()), Options.Create(new ClusterOptions { ClusterId = clusterId }),
                Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);
            await cleanup.DeleteMembershipTableEntries(clusterId);
        }
    }

    private IHost BuildSilo(string clusterId, int index, int siloPort, int gatewayPort) => new HostBuilder()
        .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(new XunitLoggerProvider(output, LogLevel.Warning)))
        .UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "mnemo-kubernetes-tests";
            });
            silo.Configure<SiloOptions>(o => o.SiloName = Nodes[index]);
            silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                // The tuned profile of ORLEANS-10.md §13: failure detection in about a second.
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(20);
            });
            silo.UseKubernetesMembership(api.Configure);
        })
        .Build();

    private IHost BuildClient(string clusterId) => new HostBuilder()
        .ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning).AddProvider(new XunitLoggerProvider(output, LogLevel.Warning)))
        .UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = "mnemo-kubernetes-tests";
            });
            client.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1));
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5));
            client.UseKubernetesGatewayList(api.Configure);
        })
        .Build();

    private static IClusterMembershipService Membership(IHost silo) => silo.Services.GetRequiredService<IClusterMembershipService>();

    private static HashSet<string> ActiveNames(IHost silo) => Membership(silo).CurrentSnapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active)
        .Select(m => m.Name)
        .ToHashSet();

    private static async Task StopQuietly(IHost host)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StopAsync(cts.Token);
        }
        catch (Exception)
        {
            // Already stopped, or stopping failed: the test result is what counts.
        }

        host.Dispose();
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        listeners.ForEach(l => l.Start());
        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        listeners.ForEach(l => l.Stop());
        return ports;
    }
}
