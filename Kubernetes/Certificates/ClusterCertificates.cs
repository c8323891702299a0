using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Mnemo.Kubernetes.Certificates;

/// <summary>
/// The generated certificates of a cluster, kept as Secrets in its namespace: the CA in
/// <c>mnemo-ca</c> (its key never leaves that Secret, except into the silos that sign with it) and
/// each node's certificate in <c>mnemo-node-&lt;node&gt;</c>, all of type <c>kubernetes.io/tls</c> with
/// the CA in <c>ca.crt</c>. Any silo may be first: the CA Secret is created with a create that the
/// API refuses (409) when another silo created it first, and the loser reads the winner's, so a
/// cluster has one CA however many silos start at once.
/// </summary>
public sealed class ClusterCertificates(IKubernetes client, string @namespace, CertificateLifetimes lifetimes, TimeProvider time, ILogger logger)
{
    public const string AuthoritySecretName = "mnemo-ca";
    private const string NodeSecretPrefix = "mnemo-node-";
    private const string ComponentLabel = "app.kubernetes.io/component";

    public static string NodeSecretName(string node) => NodeSecretPrefix + node;

    /// <summary>The cluster's CA with its key: the existing one, or one created now if the namespace has none.</summary>
    public async Task<TlsSecret> EnsureAuthorityAsync(CancellationToken cancellationToken = default)
    {
        if (await ReadAsync(AuthoritySecretName, cancellationToken) is { } existing)
            return existing;
        using X509Certificate2 authority = CertificateIssuer.CreateAuthority("mnemo-ca", time.GetUtcNow(), lifetimes.Authority);
        TlsSecret created = TlsSecret.From(authority, authority.ExportCertificatePem());
        try
        {
            await client.CoreV1.CreateNamespacedSecretAsync(created.ToSecret(AuthoritySecretName, @namespace, Labels("ca")), @namespace,
                cancellationToken: cancellationToken);
            logger.LogInformation("Created the cluster CA in Secret {Namespace}/{Secret}, valid until {NotAfter:u}", @namespace, AuthoritySecretName,
                authority.NotAfter.ToUniversalTime());
            return created;
        }
        catch (Exception e) when (KubernetesApiErrors.IsConflict(e))
        {
            // Another silo created it between our read and create: its CA is the cluster's.
            return await ReadAsync(AuthoritySecretName, cancellationToken)
                ?? throw new InvalidOperationException($"Secret {AuthoritySecretName} was created by another writer and is gone again");
        }
    }

    /// <summary>
    /// <paramref name="node"/>'s certificate: the one in its Secret while it is issued by the current CA
    /// and expires later than <see cref="CertificateLifetimes.RenewBefore"/> from now; otherwise a new
    /// one, issued, stored and returned. <paramref name="hosts"/> are the extra names it is issued for.
    /// </summary>
    public async Task<TlsSecret> EnsureNodeAsync(string node, IReadOnlyCollection<string> hosts, CancellationToken cancellationToken = default)
    {
        string name = NodeSecretName(node);
        while (true)
        {
            TlsSecret authority = await EnsureAuthorityAsync(cancellationToken);
            V1Secret? stored = await ReadSecretAsync(name, cancellationToken);
            if (stored is not null && TlsSecret.FromSecret(stored) is var kept && !NeedsRenewal(kept, authority))
                return kept;

            using X509Certificate2 authorityCertificate = authority.LoadCertificate();
            using X509Certificate2 issued = CertificateIssuer.IssueNode(authorityCertificate, node, hosts, time.GetUtcNow(), lifetimes.Node);
            TlsSecret renewed = TlsSecret.From(issued, authority.AuthoritiesPem);
            V1Secret secret = renewed.ToSecret(name, @namespace, Labels("node"));
            try
            {
                if (stored is null)
                {
                    await client.CoreV1.CreateNamespacedSecretAsync(secret, @namespace, cancellationToken: cancellationToken);
                }
                else
                {
                    // Replaced only if nobody wrote it since we read it; otherwise look again.
                    secret.Metadata.ResourceVersion = stored.Metadata.ResourceVersion;
                    await client.CoreV1.ReplaceNamespacedSecretAsync(secret, name, @namespace, cancellationToken: cancellationToken);
                }
            }
            catch (Exception e) when (KubernetesApiErrors.IsConflict(e))
            {
                continue;
            }
            logger.LogInformation("Issued the certificate of node {Node} in Secret {Namespace}/{Secret}: serial {Serial}, valid until {NotAfter:u}", node,
                @namespace, name, issued.SerialNumber, issued.NotAfter.ToUniversalTime());
            return renewed;
        }
    }

    /// <summary>A provided <c>kubernetes.io/tls</c> Secret, read as it is.</summary>
    /// <exception cref="InvalidOperationException">The Secret does not exist.</exception>
    /// <exception cref="InvalidDataException">A key is missing.</exception>
    public async Task<TlsSecret> ReadProvidedAsync(string name, CancellationToken cancellationToken = default) =>
        await ReadAsync(name, cancellationToken) ?? throw new InvalidOperationException($"TLS Secret {@namespace}/{name} does not exist");

    private bool NeedsRenewal(TlsSecret stored, TlsSecret authority)
    {
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(stored.CertificatePem);
        DateTimeOffset now = time.GetUtcNow();
        // Also when issued by a CA that is no longer the cluster's (the CA Secret was replaced).
        return certificate.NotAfter.ToUniversalTime() - now.UtcDateTime <= lifetimes.RenewBefore
            || stored.AuthoritiesPem != authority.AuthoritiesPem
            || ClusterTrust.Verify(certificate, authority.LoadAuthorities(), now) is not null;
    }

    private async Task<TlsSecret?> ReadAsync(string name, CancellationToken cancellationToken) =>
        await ReadSecretAsync(name, cancellationToken) is { } secret ? TlsSecret.FromSecret(secret) : null;

    private async Task<V1Secret?> ReadSecretAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(name, @namespace, cancellationToken: cancellationToken);
        }
        catch (Exception e) when (KubernetesApiErrors.IsNotFound(e))
        {
            return null;
        }
    }

    private static Dictionary<string, string> Labels(string component) => new()
    {
        ["app.kubernetes.io/name"] = "mnemo",
        [ComponentLabel] = component,
    };
}
