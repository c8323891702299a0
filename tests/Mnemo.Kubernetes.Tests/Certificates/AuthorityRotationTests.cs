using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Mnemo.Kubernetes.Certificates;
using TestTime = Mnemo.Kubernetes.Tests.Certificates.ClusterCertificatesTests.TestTime;
using RecordingProvider = Mnemo.Kubernetes.Tests.Certificates.ClusterCertificatesTests.RecordingProvider;

namespace Mnemo.Kubernetes.Tests.Certificates;

/// <summary>
/// CA rotation with an overlap, on a fake clock: each state of the <c>mnemo-ca</c> Secret and what
/// moves it to the next, silos racing to start a rotation (one new CA), and, through the embedded API,
/// a node still holding a certificate of the old CA accepted by its peers during the overlap and
/// refused once the old CA has left the trust bundle.
/// </summary>
[Collection(KubeApiCollection.Name)]
public sealed class AuthorityRotationTests(KubeApiFixture api, ITestOutputHelper output)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CertificateLifetimes Lifetimes = new();

    [Fact]
    public void A_ca_is_rotated_once_within_its_renewal_threshold_of_expiry_and_not_before()
    {
        ClusterAuthority ca = ClusterAuthority.Create(Start, Lifetimes);
        Assert.Equal(AuthorityRotationStep.Stable, ca.Step);

        Assert.Null(ca.Advance([], Start + TimeSpan.FromDays(334), Lifetimes));

        DateTimeOffset now = Start + TimeSpan.FromDays(336);
        ClusterAuthority trusting = ca.Advance([], now, Lifetimes)!;
        Assert.Equal(AuthorityRotationStep.Trusting, trusting.Step);
        // The old CA still signs; the bundle holds it and the new one.
        Assert.Equal(ca.Signing.CertificatePem, trusting.Signing.CertificatePem);
        Assert.Equal(ca.Signing.KeyPem, trusting.Signing.KeyPem);
        using X509Certificate2 old = X509Certificate2.CreateFromPem(ca.Signing.CertificatePem);
        using X509Certificate2 next = X509Certificate2.CreateFromPem(trusting.NextCertificatePem!);
        Assert.Equal(new[] { old.Thumbprint, next.Thumbprint }, trusting.Signing.LoadAuthorities().Select(c => c.Thumbprint));
        Assert.Equal((now + Lifetimes.Authority).UtcDateTime, next.NotAfter.ToUniversalTime());
        Assert.True(next.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
    }

    [Fact]
    public void An_operator_request_starts_a_rotation_at_once_and_the_annotation_is_removed_with_it()
    {
        ClusterAuthority requested = ClusterAuthority.Create(Start, Lifetimes) with { RotationRequested = true };
        ClusterAuthority trusting = requested.Advance([], Start + TimeSpan.FromHours(1), Lifetimes)!;
        Assert.Equal(AuthorityRotationStep.Trusting, trusting.Step);
        Assert.False(trusting.RotationRequested);

        V1Secret stored = requested.Signing.ToSecret(ClusterCertificates.AuthoritySecretName, "ns");
        stored.Metadata.ResourceVersion = "7";
        stored.Metadata.Annotations = new Dictionary<string, string> { [ClusterAuthority.RotateAnnotation] = "now", ["owner"] = "ops" };
        Assert.True(ClusterAuthority.FromSecret(stored).RotationRequested);

        V1Secret written = trusting.ToSecret(stored);
        Assert.Equal("7", written.Metadata.ResourceVersion);
        Assert.Equal(new Dictionary<string, string> { ["owner"] = "ops" }, written.Metadata.Annotations);
        Assert.Equal(trusting.NextKeyPem, Encoding.ASCII.GetString(written.Data[ClusterAuthority.NextKeyKey]));
        Assert.Equal(trusting, ClusterAuthority.FromSecret(written));
    }

    [Fact]
    public void Each_step_waits_for_every_live_node_and_then_the_old_ca_leaves_the_bundle()
    {
        DateTimeOffset now = Start + TimeSpan.FromHours(1);
        ClusterAuthority stable = ClusterAuthority.Create(Start, Lifetimes);
        TlsSecret[] nodes = [Node(stable, "node-0", Start), Node(stable, "node-1", Start)];
        // A node gone for good: its certificate expired, so it is not waited for.
        TlsSecret gone = Node(stable, "node-2", Start - TimeSpan.FromDays(100));

        ClusterAuthority trusting = (stable with { RotationRequested = true }).Advance(nodes, now, Lifetimes)!;
        Assert.Equal(AuthorityRotationStep.Trusting, trusting.Step);
        Assert.Null(trusting.Advance([.. nodes, gone], now, Lifetimes));
        nodes[0] = nodes[0] with { AuthoritiesPem = trusting.Signing.AuthoritiesPem };
        Assert.Null(trusting.Advance([.. nodes, gone], now, Lifetimes));
        nodes[1] = nodes[1] with { AuthoritiesPem = trusting.Signing.AuthoritiesPem };

        ClusterAuthority reissuing = trusting.Advance([.. nodes, gone], now, Lifetimes)!;
        Assert.Equal(AuthorityRotationStep.Reissuing, reissuing.Step);
        Assert.Equal(trusting.NextCertificatePem, reissuing.Signing.CertificatePem);
        Assert.Equal(trusting.NextKeyPem, reissuing.Signing.KeyPem);
        Assert.Equal(trusting.Signing.AuthoritiesPem, reissuing.Signing.AuthoritiesPem);
        Assert.Null(reissuing.NextCertificatePem);

        // Certificates of the old CA are still trusted, but a node re-issues under the signing CA.
        Assert.Null(reissuing.Advance([.. nodes, gone], now, Lifetimes));
        nodes[0] = Node(reissuing, "node-0", now);
        Assert.Null(reissuing.Advance([.. nodes, gone], now, Lifetimes));
        nodes[1] = Node(reissuing, "node-1", now);

        ClusterAuthority done = reissuing.Advance([.. nodes, gone], now, Lifetimes)!;
        Assert.Equal(AuthorityRotationStep.Stable, done.Step);
        Assert.Equal(reissuing.Signing.CertificatePem, done.Signing.AuthoritiesPem);
        Assert.Null(done.Advance(nodes, now, Lifetimes));
    }

    [Fact]
    public void A_step_goes_on_without_a_node_that_does_not_follow_once_the_overlap_has_passed()
    {
        var lifetimes = new CertificateLifetimes { AuthorityOverlap = TimeSpan.FromHours(2) };
        ClusterAuthority stable = ClusterAuthority.Create(Start, lifetimes);
        TlsSecret stuck = Node(stable, "node-0", Start);

        ClusterAuthority trusting = (stable with { RotationRequested = true }).Advance([stuck], Start, lifetimes)!;
        Assert.Null(trusting.Advance([stuck], Start + TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1), lifetimes));
        ClusterAuthority reissuing = trusting.Advance([stuck], Start + TimeSpan.FromHours(2), lifetimes)!;
        Assert.Equal(AuthorityRotationStep.Reissuing, reissuing.Step);

        Assert.Null(reissuing.Advance([stuck], Start + TimeSpan.FromHours(4) - TimeSpan.FromSeconds(1), lifetimes));
        Assert.Equal(AuthorityRotationStep.Stable, reissuing.Advance([stuck], Start + TimeSpan.FromHours(4), lifetimes)!.Step);
    }

    [Fact]
    public async Task Silos_racing_to_start_a_rotation_create_one_new_ca()
    {
        string ns = await ClusterCertificatesTests.NamespaceAsync(api);
        var messages = new ConcurrentQueue<string>();
        using ILoggerFactory logs = LoggerFactory.Create(b => b.AddProvider(new XunitLoggerProvider(output)).AddProvider(new RecordingProvider(messages)));
        KubernetesConnection[] connections = Enumerable.Range(0, 4).Select(_ => api.Connect()).ToArray();
        try
        {
            for (int i = 0; i < connections.Length; i++)
                await Silo(connections[i].Client, ns, new TestTime(Start), logs).EnsureNodeAsync($"node-{i}", []);
            await RequestRotationAsync(connections[0].Client, ns);

            TlsSecret[] seen = await Task.WhenAll(connections.Select(c =>
                Task.Run(() => Silo(c.Client, ns, new TestTime(Start + TimeSpan.FromMinutes(1)), logs).EnsureAuthorityAsync())));

            Assert.Single(messages, m => m.StartsWith("CA rotation: created a new CA", StringComparison.Ordinal));
            // No node trusts the new CA yet, so every silo stopped at the first step, with the same bundle.
            ClusterAuthority stored = ClusterAuthority.FromSecret(await connections[0].Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, ns));
            Assert.Equal(AuthorityRotationStep.Trusting, stored.Step);
            Assert.False(stored.RotationRequested);
            Assert.All(seen, s => Assert.Equal(stored.Signing, s));
            Assert.Equal(2, stored.Signing.LoadAuthorities().Count);
        }
        finally
        {
            foreach (KubernetesConnection connection in connections)
                connection.Dispose();
        }
    }

    [Fact]
    public async Task A_peer_with_a_certificate_of_the_old_ca_is_accepted_during_the_overlap_and_refused_after()
    {
        string ns = await ClusterCertificatesTests.NamespaceAsync(api);
        using KubernetesConnection connection = api.Connect();
        using ILoggerFactory logs = XunitLoggerProvider.Factory(output);
        var time = new TestTime(Start);
        // Each check is a new silo object: the rotation's state lives in the Secrets alone.
        Task<TlsSecret> CheckAsync(int node) => Silo(connection.Client, ns, time, logs).EnsureNodeAsync($"node-{node}", []);
        async Task<AuthorityRotationStep> StepAsync() =>
            ClusterAuthority.FromSecret(await connection.Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, ns)).Step;

        TlsSecret old0 = await CheckAsync(0), old1 = await CheckAsync(1);
        using X509Certificate2 oldCertificate1 = old1.LoadCertificate();
        time.Now = Start + TimeSpan.FromMinutes(1);
        await RequestRotationAsync(connection.Client, ns);

        // node-0's check starts the rotation: it trusts both CAs, keeping its certificate.
        TlsSecret trusting0 = await CheckAsync(0);
        Assert.Equal(AuthorityRotationStep.Trusting, await StepAsync());
        Assert.Equal(old0.CertificatePem, trusting0.CertificatePem);
        Assert.Equal(2, trusting0.LoadAuthorities().Count);
        Assert.Null(ClusterTrust.Verify(oldCertificate1, trusting0.LoadAuthorities(), time.Now));
        // node-1 has not trusted the new CA yet, so node-0 does not move on.
        Assert.Equal(trusting0, await CheckAsync(0));
        Assert.Equal(AuthorityRotationStep.Trusting, await StepAsync());

        TlsSecret trusting1 = await CheckAsync(1);
        Assert.Equal(old1.CertificatePem, trusting1.CertificatePem);

        // Every node trusts both: the new CA signs, and node-0 re-issues under it.
        TlsSecret reissued0 = await CheckAsync(0);
        Assert.Equal(AuthorityRotationStep.Reissuing, await StepAsync());
        using X509Certificate2 newCertificate0 = reissued0.LoadCertificate();
        Assert.NotEqual(old0.CertificatePem, reissued0.CertificatePem);
        // Overlap both ways: the old certificate of node-1 and the new one of node-0 are each accepted by the other.
        Assert.Null(ClusterTrust.Verify(oldCertificate1, reissued0.LoadAuthorities(), time.Now));
        Assert.Null(ClusterTrust.Verify(newCertificate0, trusting1.LoadAuthorities(), time.Now));

        TlsSecret reissued1 = await CheckAsync(1);
        Assert.NotEqual(old1.CertificatePem, reissued1.CertificatePem);

        // Every certificate is from the new CA: the old one leaves the bundle.
        TlsSecret final0 = await CheckAsync(0);
        Assert.Equal(AuthorityRotationStep.Stable, await StepAsync());
        Assert.Equal(reissued0.CertificatePem, final0.CertificatePem);
        Assert.Single(final0.LoadAuthorities());
        Assert.Contains("not valid under the cluster CA", ClusterTrust.Verify(oldCertificate1, final0.LoadAuthorities(), time.Now));
        using X509Certificate2 newCertificate1 = reissued1.LoadCertificate();
        Assert.Null(ClusterTrust.Verify(newCertificate1, final0.LoadAuthorities(), time.Now));

        TlsSecret final1 = await CheckAsync(1);
        Assert.Equal(final0.AuthoritiesPem, final1.AuthoritiesPem);
        V1Secret ca = await connection.Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, ns);
        Assert.False(ca.Data.ContainsKey(ClusterAuthority.NextCertificateKey));
        Assert.Equal(Encoding.ASCII.GetString(ca.Data[TlsSecret.CertificateKey]), final1.AuthoritiesPem);
    }

    /// <summary>A certificate for <paramref name="node"/> issued by <paramref name="authority"/>'s signing CA at <paramref name="at"/>, trusting its bundle.</summary>
    private static TlsSecret Node(ClusterAuthority authority, string node, DateTimeOffset at)
    {
        using X509Certificate2 signing = authority.Signing.LoadCertificate();
        using X509Certificate2 issued = CertificateIssuer.IssueNode(signing, node, [], at, Lifetimes.Node);
        return TlsSecret.From(issued, authority.Signing.AuthoritiesPem);
    }

    private static ClusterCertificates Silo(IKubernetes client, string ns, TimeProvider time, ILoggerFactory logs) =>
        new(client, ns, Lifetimes, time, logs.CreateLogger<ClusterCertificates>());

    private static async Task RequestRotationAsync(IKubernetes client, string ns)
    {
        V1Secret ca = await client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, ns);
        ca.Metadata.Annotations = new Dictionary<string, string> { [ClusterAuthority.RotateAnnotation] = "requested" };
        await client.CoreV1.ReplaceNamespacedSecretAsync(ca, ClusterCertificates.AuthoritySecretName, ns);
    }
}
