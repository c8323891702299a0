using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Mnemo.Kubernetes.Certificates;

namespace Mnemo.Kubernetes.Tests.Certificates;

/// <summary>
/// The generated CA and node certificates against the embedded API: what they are, that silos
/// starting at once end up with one CA, and that a node certificate is renewed once it is within the
/// renewal threshold of its expiry, and not before.
/// </summary>
[Collection(KubeApiCollection.Name)]
public sealed class ClusterCertificatesTests(KubeApiFixture api, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_authority_is_an_rsa_3072_ca_valid_for_the_lifetime_given()
    {
        using X509Certificate2 authority = CertificateIssuer.CreateAuthority("mnemo-ca", Start, TimeSpan.FromDays(365));

        using RSA key = authority.GetRSAPrivateKey()!;
        Assert.Equal(3072, key.KeySize);
        Assert.True(authority.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
        Assert.Equal((Start + TimeSpan.FromDays(365)).UtcDateTime, authority.NotAfter.ToUniversalTime());
        Assert.Equal("CN=mnemo-ca", authority.Subject);
    }

    [Fact]
    public void A_node_certificate_names_its_node_and_loopback_and_chains_only_to_its_own_ca()
    {
        using X509Certificate2 authority = CertificateIssuer.CreateAuthority("mnemo-ca", Start, TimeSpan.FromDays(365));
        using X509Certificate2 other = CertificateIssuer.CreateAuthority("mnemo-ca", Start, TimeSpan.FromDays(365));
        using X509Certificate2 node = CertificateIssuer.IssueNode(authority, "node-7", ["10.1.2.3"], Start, TimeSpan.FromDays(90));

        Assert.True(node.HasPrivateKey);
        Assert.Equal("CN=node-7", node.Subject);
        foreach (string name in new[] { "node-7", "localhost", "127.0.0.1", "10.1.2.3" })
            Assert.True(node.MatchesHostname(name), name);
        Assert.False(node.MatchesHostname("node-8"));
        string[] usages = node.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value!).ToArray();
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], usages.Order());

        Assert.Null(ClusterTrust.Verify(node, [authority], Start));
        Assert.Contains("not valid under the cluster CA", ClusterTrust.Verify(node, [other], Start));
        // Expired, or not yet valid.
        Assert.NotNull(ClusterTrust.Verify(node, [authority], Start + TimeSpan.FromDays(91)));
        Assert.NotNull(ClusterTrust.Verify(node, [authority], Start - TimeSpan.FromDays(1)));
        // Several trusted authorities (a CA being replaced): either one's certificates pass.
        Assert.Null(ClusterTrust.Verify(node, [other, authority], Start));
    }

    [Fact]
    public void A_node_certificate_never_outlives_its_ca()
    {
        using X509Certificate2 authority = CertificateIssuer.CreateAuthority("mnemo-ca", Start, TimeSpan.FromDays(30));
        using X509Certificate2 node = CertificateIssuer.IssueNode(authority, "node-0", [], Start, TimeSpan.FromDays(90));

        Assert.Equal(authority.NotAfter, node.NotAfter);
    }

    [Fact]
    public async Task Silos_starting_at_once_create_one_ca()
    {
        string ns = await NamespaceAsync(api);
        var created = new ConcurrentQueue<string>();
        using ILoggerFactory logs = LoggerFactory.Create(b => b.AddProvider(new XunitLoggerProvider(output)).AddProvider(new RecordingProvider(created)));
        KubernetesConnection[] connections = Enumerable.Range(0, 4).Select(_ => api.Connect()).ToArray();
        try
        {
            // Four silos, each its own client, each finding no CA and generating one.
            TlsSecret[] results = await Task.WhenAll(connections.Select(c =>
                Task.Run(() => Generator(c.Client, ns, new TestTime(Start), logs).EnsureAuthorityAsync())));

            Assert.Single(results.Select(r => r.CertificatePem).Distinct());
            Assert.Single(created, m => m.StartsWith("Created the cluster CA", StringComparison.Ordinal));
            V1Secret stored = await connections[0].Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, ns);
            Assert.Equal(TlsSecret.Type, stored.Type);
            Assert.Equal(results[0].CertificatePem, Encoding.ASCII.GetString(stored.Data[TlsSecret.CertificateKey]));
            Assert.Equal(results[0].CertificatePem, Encoding.ASCII.GetString(stored.Data[TlsSecret.AuthoritiesKey]));

            // Their node certificates, issued concurrently too, all chain to that one CA.
            TlsSecret[] nodes = await Task.WhenAll(connections.Select((c, i) =>
                Task.Run(() => Generator(c.Client, ns, new TestTime(Start), logs).EnsureNodeAsync($"node-{i}", []))));
            X509Certificate2Collection authority = results[0].LoadAuthorities();
            foreach (TlsSecret node in nodes)
            {
                using X509Certificate2 certificate = node.LoadCertificate();
                Assert.Null(ClusterTrust.Verify(certificate, authority, Start));
            }
        }
        finally
        {
            foreach (KubernetesConnection connection in connections)
                connection.Dispose();
        }
    }

    [Fact]
    public async Task A_node_secret_holds_the_node_key_and_the_ca_certificate_but_not_the_ca_key()
    {
        string ns = await NamespaceAsync(api);
        using KubernetesConnection connection = api.Connect();
        using ILoggerFactory logs = XunitLoggerProvider.Factory(output);
        ClusterCertificates certificates = Generator(connection.Client, ns, new TestTime(Start), logs);

        TlsSecret node = await certificates.EnsureNodeAsync("node-0", ["10.0.0.5"]);
        TlsSecret authority = await certificates.EnsureAuthorityAsync();

        V1Secret stored = await connection.Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.NodeSecretName("node-0"), ns);
        Assert.Equal(TlsSecret.Type, stored.Type);
        Assert.Equal(node, TlsSecret.FromSecret(stored));
        Assert.Equal(authority.CertificatePem, node.AuthoritiesPem);
        Assert.NotEqual(authority.KeyPem, node.KeyPem);
        Assert.DoesNotContain(stored.Data.Values, v => Encoding.ASCII.GetString(v).Contains(authority.KeyPem.Trim(), StringComparison.Ordinal));
        using X509Certificate2 certificate = node.LoadCertificate();
        Assert.True(certificate.MatchesHostname("10.0.0.5"));
    }

    [Fact]
    public async Task A_node_certificate_is_renewed_within_the_threshold_and_kept_before()
    {
        string ns = await NamespaceAsync(api);
        using KubernetesConnection connection = api.Connect();
        using ILoggerFactory logs = XunitLoggerProvider.Factory(output);
        var time = new TestTime(Start);
        var lifetimes = new CertificateLifetimes { Node = TimeSpan.FromMinutes(10), RenewBefore = TimeSpan.FromMinutes(4) };
        var certificates = new ClusterCertificates(connection.Client, ns, lifetimes, time, logs.CreateLogger<ClusterCertificates>());

        TlsSecret first = await certificates.EnsureNodeAsync("node-0", []);
        time.Now = Start + TimeSpan.FromMinutes(5);
        Assert.Equal(first, await certificates.EnsureNodeAsync("node-0", []));

        time.Now = Start + TimeSpan.FromMinutes(6.5);
        TlsSecret renewed = await certificates.EnsureNodeAsync("node-0", []);
        Assert.NotEqual(first.CertificatePem, renewed.CertificatePem);
        using X509Certificate2 certificate = renewed.LoadCertificate();
        Assert.Equal((time.Now + TimeSpan.FromMinutes(10)).UtcDateTime, certificate.NotAfter.ToUniversalTime());
        Assert.Null(ClusterTrust.Verify(certificate, renewed.LoadAuthorities(), time.Now));
        Assert.Equal(first.AuthoritiesPem, renewed.AuthoritiesPem);
        // What the Secret holds now is what the next silo start reads.
        Assert.Equal(renewed, await certificates.EnsureNodeAsync("node-0", []));
    }

    private static ClusterCertificates Generator(IKubernetes client, string ns, TimeProvider time, ILoggerFactory logs) =>
        new(client, ns, new CertificateLifetimes(), time, logs.CreateLogger<ClusterCertificates>());

    internal static async Task<string> NamespaceAsync(KubeApiFixture api)
    {
        string ns = "certs-" + Guid.NewGuid().ToString("N")[..10];
        using KubernetesConnection connection = api.Connect();
        await connection.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } });
        return ns;
    }

    internal sealed class TestTime(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Keeps every logged message, to count how often something happened.</summary>
    internal sealed class RecordingProvider(ConcurrentQueue<string> messages) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(messages);

        public void Dispose()
        {
        }

        private sealed class Recorder(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception));
        }
    }
}
