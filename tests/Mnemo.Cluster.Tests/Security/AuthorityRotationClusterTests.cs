using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Mnemo.DataPlane;
using Mnemo.Kubernetes.Certificates;
using Mnemo.Silo;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// Three silo processes with generated certificates, serving a Memshack with write quorum <c>all</c>
/// (every write crosses the data plane to all three): an operator asks for a CA rotation by annotating
/// the <c>mnemo-ca</c> Secret while memcached load runs through every gateway. The rotation goes
/// through its steps with no failed request, every node ends on a certificate of the new CA, the old
/// CA leaves every trust bundle, and the data plane then refuses a certificate of the old CA.
/// </summary>
public sealed class AuthorityRotationClusterTests : IAsyncLifetime
{
    private const int Nodes = 3;
    private TestCluster _cluster = null!;
    private int _basePort;
    private long _requests; // by every gateway's load, so far

    public async Task InitializeAsync()
    {
        // Checks every 3 s (a tenth of the renewal threshold); node certificates are not due for renewal during the test.
        var lifetimes = new CertificateLifetimes { Node = TimeSpan.FromMinutes(30), RenewBefore = TimeSpan.FromSeconds(30) };
        _cluster = await TestCluster.StartAsync(Nodes, (i, settings) => settings with
        {
            MemshackPortOffset = i,
            Tls = new SiloTlsOptions { Lifetimes = lifetimes },
        }, readyTimeout: TimeSpan.FromMinutes(3));
        _basePort = MemshackCluster.FreePortRange(Nodes);
        await MemshackCluster.ApplyAsync(_cluster, "carot", _basePort, "all", shards: 2, replicas: Nodes);
        await _cluster.WaitUntilAsync(async () =>
        {
            for (int node = 0; node < Nodes; node++)
            {
                await using MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(_basePort + node);
                if (await client.SetAsync($"ready-{node}", "1") != "STORED")
                    return false;
            }
            return true;
        }, TimeSpan.FromSeconds(120), "every gateway of Memshack carot to store");
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
            await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task The_ca_rotates_under_memcached_load_with_quorum_all_and_no_failed_request()
    {
        string oldAuthority = (await ReadAuthorityAsync()).Signing.CertificatePem;
        using X509Certificate2 oldCertificate1 = (await ReadNodeAsync(1)).LoadCertificate();

        using var stop = new CancellationTokenSource();
        Task<(long Requests, List<string> Failures)>[] load = Enumerable.Range(0, Nodes).Select(g => SetGetLoad.RunAsync(_basePort + g, $"carot-{g}", stop.Token, () => Interlocked.Add(ref _requests, 2))).ToArray();
        try
        {
            V1Secret ca = await _cluster.Kubernetes.Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, "default");
            ca.Metadata.Annotations ??= new Dictionary<string, string>();
            ca.Metadata.Annotations[ClusterAuthority.RotateAnnotation] = "requested";
            await _cluster.Kubernetes.Client.CoreV1.ReplaceNamespacedSecretAsync(ca, ClusterCertificates.AuthoritySecretName, "default");

            await _cluster.WaitUntilAsync(async () => await ReadAuthorityAsync() is { Step: AuthorityRotationStep.Stable } now
                && now.Signing.CertificatePem != oldAuthority, TimeSpan.FromMinutes(2), "the rotation to finish with a new CA as the only one trusted");
            // Every node trusts the new CA alone and holds a certificate it issued.
            ClusterAuthority rotated = await ReadAuthorityAsync();
            await _cluster.WaitUntilAsync(async () =>
            {
                for (int node = 0; node < Nodes; node++)
                {
                    TlsSecret secret = await ReadNodeAsync(node);
                    using X509Certificate2 certificate = secret.LoadCertificate();
                    if (secret.AuthoritiesPem != rotated.Signing.CertificatePem || rotated.VerifyIssuedBySigning(certificate, DateTimeOffset.UtcNow) is not null)
                        return false;
                }
                return true;
            }, TimeSpan.FromSeconds(60), "every node Secret to hold a certificate of the new CA and trust it alone");
            // Some load after the last step, too.
            long atEnd = Interlocked.Read(ref _requests);
            await _cluster.WaitUntilAsync(() => Task.FromResult(Interlocked.Read(ref _requests) > atEnd + 300), TimeSpan.FromSeconds(60),
                "requests to go on after the rotation");
        }
        finally
        {
            await stop.CancelAsync();
        }
        (long Requests, List<string> Failures)[] results = await Task.WhenAll(load);
        Assert.All(results, r => Assert.True(r.Requests > 100, $"only {r.Requests} requests ran"));
        Assert.Empty(results.SelectMany(r => r.Failures));
        Assert.Contains("CA rotation: created a new CA", _cluster.Log);
        Assert.Contains("CA rotation: the old CA left the trust bundle", _cluster.Log);

        // A new data-plane connection with node-1's certificate of the old CA is refused; with its new one it is served.
        await using var stale = new PeerConnection(new IPEndPoint(IPAddress.Loopback, _cluster.Settings[0].DataPort), new PeerConnectionOptions
        {
            Identity = new PeerIdentity(_cluster.ClusterId, "node-1"),
            Tls = new PeerTls(() => oldCertificate1, _ => null),
        });
        CacheResult refused = await stale.StoreAsync(Encoding.UTF8.GetBytes("stale"), CacheStoreMode.Set, Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes("v"), 0, 0);
        Assert.Equal(CacheStatus.Unavailable, refused.Status);
        await using PeerConnection member = MemshackCluster.ConnectDataPlane(_cluster, 1);
        CacheResult served = await member.StoreAsync(Encoding.UTF8.GetBytes("member"), CacheStoreMode.Set, Encoding.UTF8.GetBytes("k"), Encoding.UTF8.GetBytes("v"), 0, 0);
        Assert.Equal(CacheStatus.Ok, served.Status);
    }

    private async Task<ClusterAuthority> ReadAuthorityAsync() =>
        ClusterAuthority.FromSecret(await _cluster.Kubernetes.Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, "default"));

    private async Task<TlsSecret> ReadNodeAsync(int node) =>
        TlsSecret.FromSecret(await _cluster.Kubernetes.Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.NodeSecretName($"node-{node}"), "default"));
}
