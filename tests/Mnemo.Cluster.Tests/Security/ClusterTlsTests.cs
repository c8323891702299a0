using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using Mnemo.Api;
using Mnemo.Client;
using Mnemo.DataPlane;
using Mnemo.Kubernetes.Certificates;
using Mnemo.Silo;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// Two silo processes with generated certificates that live two minutes and are renewed 100 s before
/// they expire (so every 20 s): the Orleans silo port and the data plane run over mutual TLS (the
/// cluster forming at all shows the silo port's); a silo or process holding a certificate of another
/// CA is refused by both, and the silos log why; under memcached load through both gateways (every
/// write replicated over the data plane) and grain calls from one silo to the other the certificates
/// rotate, new connections get the new certificate, and no request fails.
/// </summary>
public sealed class ClusterTlsTests(ClusterTlsTests.ShortLivedCertificates fixture) : IClassFixture<ClusterTlsTests.ShortLivedCertificates>
{
    private TestCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task A_process_with_a_certificate_of_another_ca_cannot_use_the_data_plane()
    {
        using X509Certificate2 otherCa = CertificateIssuer.CreateAuthority("mnemo-ca", DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        using X509Certificate2 impostor = CertificateIssuer.IssueNode(otherCa, "node-1", [], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

        // The data plane, claiming to be node-1 from node-1's address.
        await using var peer = new PeerConnection(new IPEndPoint(IPAddress.Loopback, Cluster.Settings[0].DataPort), new PeerConnectionOptions
        {
            Identity = new PeerIdentity(Cluster.ClusterId, "node-1"),
            Tls = new PeerTls(() => impostor, _ => null),
        });
        CacheResult result = await peer.StoreAsync(Encoding.UTF8.GetBytes("impostor"), CacheStoreMode.Set, Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes("v"), 0, 0);
        Assert.Equal(CacheStatus.Unavailable, result.Status);
        Assert.Equal(0, peer.Stats.Connects);
        await Cluster.WaitUntilAsync(() => Task.FromResult(Cluster.Log.Contains("Refused a TLS peer on the data plane", StringComparison.Ordinal)
                && Cluster.Log.Contains("TLS handshake failed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "node-0 to log the refused data-plane handshake");

        // With the cluster's own certificate the same process is served.
        await using PeerConnection member = MemshackCluster.ConnectDataPlane(Cluster, 1);
        Assert.Equal(CacheStatus.Ok, (await member.StoreAsync(Encoding.UTF8.GetBytes("member"), CacheStoreMode.Set, Encoding.UTF8.GetBytes("k"),
            Encoding.UTF8.GetBytes("v"), 0, 0)).Status);
    }

    [Fact]
    public async Task A_silo_with_a_certificate_of_another_ca_never_joins_the_cluster()
    {
        using X509Certificate2 otherCa = CertificateIssuer.CreateAuthority("mnemo-ca", DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        using X509Certificate2 impostor = CertificateIssuer.IssueNode(otherCa, "node-2", [], DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        // It trusts its own CA, so only the members' refusal can keep it out.
        const string secretName = "impostor-node-2";
        await Cluster.Kubernetes.Client.CoreV1.CreateNamespacedSecretAsync(
            TlsSecret.From(impostor, otherCa.ExportCertificatePem()).ToSecret(secretName, "default"), "default");
        int[] ports = TestCluster.FreePorts(5);
        string stateDir = Path.Combine(Path.GetDirectoryName(Cluster.Settings[0].StateDir)!, "node-2");
        SiloSettings settings = Cluster.Settings[0] with
        {
            NodeName = "node-2",
            SiloPort = ports[0],
            GatewayPort = ports[1],
            HealthPort = ports[2],
            DataPort = ports[3],
            Grpc = new GrpcGatewayOptions { Port = ports[4] },
            StateDir = stateDir,
            PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(Path.GetDirectoryName(stateDir)!, "node-2"),
            Tls = new SiloTlsOptions { Mode = SiloTlsMode.Provided, SecretName = secretName },
        };
        var log = new ConcurrentQueue<string>();
        using SiloProcess silo = SiloProcess.Start(settings, log.Enqueue);
        try
        {
            bool seenActive = false;
            await Cluster.WaitUntilAsync(async () =>
            {
                IReadOnlyList<MemberInfo> members = await Cluster.MembersSeenByAsync(0);
                seenActive |= members.Any(m => m.Node == "node-2" && m.Status == "Active");
                // Refused on the silo port by a member; the impostor gives up (its process ends) or is declared dead.
                return Cluster.Log.Contains("Refused a TLS peer on the Orleans silo port", StringComparison.Ordinal)
                    && (silo.HasExited || members.Any(m => m.Node == "node-2" && m.Status == "Dead"));
            }, TimeSpan.FromSeconds(150), "node-2 to be refused on the silo port and leave");
            Assert.False(seenActive, "node-2 was seen Active");
            Assert.DoesNotContain(await Cluster.MembersSeenByAsync(1), m => m.Node == "node-2" && m.Status == "Active");
        }
        finally
        {
            if (!silo.HasExited)
                await silo.StopAsync(TimeSpan.FromSeconds(15));
            File.Delete(settings.PoolPath);
        }
    }

    [Fact]
    public async Task Certificates_rotate_under_memcached_load_and_grain_calls_with_no_failed_request()
    {
        string[] first = await Task.WhenAll(Enumerable.Range(0, 2).Select(SerialAsync));
        using var stop = new CancellationTokenSource();
        Task<(long Requests, List<string> Failures)>[] load = Enumerable.Range(0, 2).Select(g => SetGetLoad.RunAsync(fixture.GatewayPort(g), $"rot-{g}", stop.Token))
            .Append(RunGrainCallsAsync(stop.Token)).ToArray();
        try
        {
            // Two renewals of each node's certificate while the load runs.
            var seen = Enumerable.Range(0, 2).Select(i => new HashSet<string> { first[i] }).ToArray();
            await Cluster.WaitUntilAsync(async () =>
            {
                for (int i = 0; i < 2; i++)
                    seen[i].Add(await SerialAsync(i));
                return seen.All(s => s.Count >= 3);
            }, TimeSpan.FromMinutes(3), "each node's certificate to be renewed twice");

            // A new connection is served with the certificate the Secret holds now.
            await Cluster.WaitUntilAsync(async () =>
            {
                string current = await SerialAsync(0);
                using X509Certificate2 client = await NodeCertificateAsync(1);
                await using SslStream connection = await HandshakeAsync(Cluster.Settings[0].DataPort, client);
                return new X509Certificate2(connection.RemoteCertificate!).SerialNumber == current;
            }, TimeSpan.FromSeconds(60), "node-0's data plane to present its renewed certificate");
            await Cluster.WaitUntilAsync(async () =>
            {
                string current = await SerialAsync(0);
                using X509Certificate2 client = await NodeCertificateAsync(1);
                await using SslStream connection = await HandshakeAsync(Cluster.Settings[0].SiloPort, client);
                return new X509Certificate2(connection.RemoteCertificate!).SerialNumber == current;
            }, TimeSpan.FromSeconds(60), "node-0's silo port to present its renewed certificate");
        }
        finally
        {
            await stop.CancelAsync();
        }
        (long Requests, List<string> Failures)[] results = await Task.WhenAll(load);
        Assert.All(results, r => Assert.True(r.Requests > 100, $"only {r.Requests} requests ran"));
        Assert.Empty(results.SelectMany(r => r.Failures));
        Assert.Contains("Node certificate CN=node-0 in use", Cluster.Log);
    }

    /// <summary>Grain calls through node-0's gateway to the node grains of both silos (node-1's cross the silo port) until stopped.</summary>
    private async Task<(long Requests, List<string> Failures)> RunGrainCallsAsync(CancellationToken stop)
    {
        var failures = new List<string>();
        long requests = 0;
        await using MnemoClient client = await Cluster.ConnectAsync([Cluster.Gateways[0]]);
        for (int n = 0; !stop.IsCancellationRequested; n++)
        {
            string node = $"node-{n % 2}";
            try
            {
                await client.GetNodeUsageAsync(node);
            }
            catch (Exception e)
            {
                failures.Add($"usage of {node}: {e.GetType().Name}: {e.Message}");
            }
            requests++;
        }
        return (requests, failures);
    }

    private async Task<string> SerialAsync(int node)
    {
        using X509Certificate2 certificate = await NodeCertificateAsync(node);
        return certificate.SerialNumber;
    }

    private async Task<X509Certificate2> NodeCertificateAsync(int node) =>
        TlsSecret.FromSecret(await Cluster.Kubernetes.Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.NodeSecretName($"node-{node}"), "default"))
            .LoadCertificate();

    /// <summary>A TLS client handshake with a silo's port presenting <paramref name="certificate"/>; the server's certificate is accepted whatever it is.</summary>
    private static async Task<SslStream> HandshakeAsync(int port, X509Certificate2 certificate)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var stream = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await stream.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "node-0",
                ClientCertificates = [certificate],
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            });
            return stream;
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    /// <summary>Two silos whose node certificates live 2 minutes and are renewed 100 s before expiry, serving Memshack <c>rot</c> (2 shards x 2 replicas).</summary>
    public sealed class ShortLivedCertificates : IAsyncLifetime
    {
        private int _basePort;

        public TestCluster Cluster { get; private set; } = null!;

        public int GatewayPort(int node) => _basePort + node;

        public async Task InitializeAsync()
        {
            var lifetimes = new CertificateLifetimes { Node = TimeSpan.FromMinutes(2), RenewBefore = TimeSpan.FromSeconds(100) };
            Cluster = await TestCluster.StartAsync(2, (i, settings) => settings with
            {
                MemshackPortOffset = i,
                Tls = new SiloTlsOptions { Lifetimes = lifetimes },
            });
            _basePort = MemshackCluster.FreePortRange(2);
            await MemshackCluster.ApplyAsync(Cluster, "rot", _basePort, "all", shards: 2, replicas: 2);
            await Cluster.WaitUntilAsync(async () =>
            {
                for (int node = 0; node < 2; node++)
                {
                    await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(GatewayPort(node));
                    if (await client.SetAsync($"ready-{node}", "1") != "STORED")
                        return false;
                }
                return true;
            }, TimeSpan.FromSeconds(120), "both gateways of Memshack rot to store");
        }

        public async Task DisposeAsync()
        {
            if (Cluster is not null)
                await Cluster.DisposeAsync();
        }
    }
}
