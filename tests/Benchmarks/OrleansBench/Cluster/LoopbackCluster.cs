using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mnemo.Kubernetes.Certificates;
using Orleans.Configuration;
using Orleans.Connections.Security;

namespace Mnemo.OrleansBench;

/// <summary>
/// Two silos and an external client in this process, talking over real loopback TCP sockets
/// (development clustering with silo-0 as primary, as ORLEANS-10.md §2 describes), not the
/// in-memory transport of the test clusters. The client knows only silo-0's gateway, so a call to a
/// grain on silo-0 is one hop and one to silo-1 is forwarded by the gateway.
/// </summary>
internal sealed class LoopbackCluster : IAsyncDisposable
{
    private const string ServiceId = "orleans-bench";
    private readonly IHost[] _silos;
    private readonly IHost _client;

    private LoopbackCluster(IHost[] silos, IHost client)
    {
        _silos = silos;
        _client = client;
    }

    /// <summary>Silo-0's own grain factory: calls from code hosted in a silo that is not a grain, as a gateway's would be.</summary>
    public IGrainFactory Silo0Grains => _silos[0].Services.GetRequiredService<IGrainFactory>();

    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    /// <summary>Starts the silos (primary first: the others join through its membership table), then the client.
    /// With <paramref name="tls"/>, silo and gateway ports run mutual TLS, as Mnemo's silos do.</summary>
    public static async Task<LoopbackCluster> StartAsync(ReplicaRegion silo1Replica, ClusterTls? tls, CancellationToken cancellationToken)
    {
        int[] ports = FreePorts.Take(4);
        int[] siloPorts = [ports[0], ports[1]], gatewayPorts = [ports[2], ports[3]];
        // A fresh cluster id: a stale process from an earlier run cannot join this cluster.
        string clusterId = $"bench-{Environment.ProcessId}-{Stopwatch.GetTimestamp():x}";
        var primary = new IPEndPoint(IPAddress.Loopback, siloPorts[0]);
        IHost[] silos =
        [
            BuildSilo(0, siloPorts[0], gatewayPorts[0], null, clusterId, tls, _ => { }),
            BuildSilo(1, siloPorts[1], gatewayPorts[1], primary, clusterId, tls, services => services.AddSingleton(silo1Replica)),
        ];
        var clientBuilder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        QuietLogging.Apply(clientBuilder.Logging);
        clientBuilder.UseOrleansClient(client =>
        {
            client.UseLocalhostClustering(gatewayPorts[0], ServiceId, clusterId);
            if (tls is not null)
                client.UseTls(tls.Client, tls.Configure);
        });
        IHost clientHost = clientBuilder.Build();

        var cluster = new LoopbackCluster(silos, clientHost);
        foreach (IHost silo in silos)
        {
            await silo.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        await clientHost.StartAsync(cancellationToken).ConfigureAwait(false);
        return cluster;
    }

    /// <summary>
    /// Calls each grain until it answers from the silo its key names. The first calls can fail while
    /// silo-0 has not yet seen silo-1 active or learned its grain types; a grain answering from the
    /// wrong silo is a bug and throws.
    /// </summary>
    public async Task PlaceAsync<TGrain>(string key, TimeSpan timeout) where TGrain : IPinnedGrain
    {
        long deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            string where;
            try
            {
                where = await Silo0Grains.GetGrain<TGrain>(key).SiloName().ConfigureAwait(false);
            }
            catch (OrleansException) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }
            string expected = GrainKeys.SiloOf(key);
            if (where != expected)
            {
                throw new InvalidOperationException($"grain {key} activated on {where}, not {expected}");
            }
            return;
        }
    }

    /// <summary>Client first, then silo-1, then the primary, which holds the membership table.</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        foreach (IHost host in new[] { _client, _silos[1], _silos[0] })
        {
            try
            {
                await host.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping ran out of time; the process is ending anyway.
            }
            host.Dispose();
        }
    }

    private static IHost BuildSilo(int index, int siloPort, int gatewayPort, IPEndPoint? primary, string clusterId, ClusterTls? tls,
        Action<IServiceCollection> services)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        QuietLogging.Apply(builder.Logging);
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, primary, ServiceId, clusterId);
            silo.Configure<SiloOptions>(options => options.SiloName = GrainKeys.SiloName(index));
            silo.AddPlacementDirector<SiloPinnedPlacement, SiloPinnedPlacementDirector>();
            if (tls is not null)
                silo.UseTls(tls.Node, options =>
                {
                    tls.Configure(options);
                    options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
                });
        });
        services(builder.Services);
        return builder.Build();
    }
}

/// <summary>
/// A cluster CA, one node certificate both silos present (server and client) and a client certificate,
/// from <see cref="CertificateIssuer"/> as the silos generate theirs; every end accepts only the CA's.
/// </summary>
internal sealed class ClusterTls : IDisposable
{
    private readonly X509Certificate2 _authority;
    private readonly X509Certificate2Collection _authorities;

    public ClusterTls()
    {
        DateTimeOffset now = DateTimeOffset.UtcNow;
        _authority = CertificateIssuer.CreateAuthority("bench-ca", now, TimeSpan.FromDays(1));
        _authorities = new X509Certificate2Collection(_authority);
        Node = CertificateIssuer.IssueNode(_authority, "bench-node", [], now, TimeSpan.FromDays(1));
        Client = CertificateIssuer.IssueNode(_authority, "bench-client", [], now, TimeSpan.FromDays(1));
    }

    public X509Certificate2 Node { get; }

    public X509Certificate2 Client { get; }

    public void Configure(TlsOptions options)
    {
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.RemoteCertificateValidation = (certificate, _, _) => ClusterTrust.Verify(certificate, _authorities, DateTimeOffset.UtcNow) is null;
    }

    public void Dispose()
    {
        Node.Dispose();
        Client.Dispose();
        _authority.Dispose();
    }
}
