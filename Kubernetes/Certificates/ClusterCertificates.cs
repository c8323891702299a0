using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Mnemo.Kubernetes.Certificates;

/// <summary>
/// The generated certificates of a cluster, kept as Secrets in its namespace: the CA in
/// <c>mnemo-ca</c> (its key never leaves that Secret, except into the silos that sign with it) and
/// each node's certificate in <c>mnemo-node-&lt;node&gt;</c>, all of type <c>kubernetes.io/tls</c> with
/// the trusted CAs in <c>ca.crt</c>. Any silo may be first: the CA Secret is created with a create that the
/// API refuses (409) when another silo created it first, and the loser reads the winner's, so a
/// cluster has one CA however many silos start at once. Every check of a node certificate first
/// takes the CA rotation's next step when it is due (<see cref="ClusterAuthority.Advance"/>), with a
/// replace conditional on the Secret's resourceVersion, so one silo wins however many race.
/// </summary>
public sealed class ClusterCertificates(IKubernetes client, string @namespace, CertificateLifetimes lifetimes, TimeProvider time, ILogger logger)
{
    public const string AuthoritySecretName = "mnemo-ca";
    private const string NodeSecretPrefix = "mnemo-node-";
    private const string NameLabel = "app.kubernetes.io/name";
    private const string ComponentLabel = "app.kubernetes.io/component";
    /// <summary>The label selector of the node Secrets.</summary>
    public const string NodeSecretSelector = NameLabel + "=mnemo," + ComponentLabel + "=node";

    public static string NodeSecretName(string node) => NodeSecretPrefix + node;

    /// <summary>
    /// The cluster's CA with its key and the CAs to trust: the existing one (after the rotation's next
    /// step, if one was due), or one created now if the namespace has none.
    /// </summary>
    public async Task<TlsSecret> EnsureAuthorityAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            V1Secret? stored = await ReadSecretAsync(AuthoritySecretName, cancellationToken);
            if (stored is null)
            {
                ClusterAuthority created = ClusterAuthority.Create(time.GetUtcNow(), lifetimes);
                try
                {
                    await client.CoreV1.CreateNamespacedSecretAsync(created.Signing.ToSecret(AuthoritySecretName, @namespace, Labels("ca")), @namespace,
                        cancellationToken: cancellationToken);
                }
                catch (Exception e) when (KubernetesApiErrors.IsConflict(e))
                {
                    // Another silo created it between our read and create: its CA is the cluster's.
                    continue;
                }
                logger.LogInformation("Created the cluster CA in Secret {Namespace}/{Secret}, valid until {NotAfter:u}", @namespace, AuthoritySecretName,
                    NotAfter(created.Signing.CertificatePem));
                return created.Signing;
            }

            ClusterAuthority current = ClusterAuthority.FromSecret(stored);
            // Node Secrets are read only while a rotation waits on them.
            IReadOnlyList<TlsSecret> nodes = current.Step == AuthorityRotationStep.Stable ? [] : await ReadNodesAsync(cancellationToken);
            if (current.Advance(nodes, time.GetUtcNow(), lifetimes) is not { } next)
                return current.Signing;
            try
            {
                await client.CoreV1.ReplaceNamespacedSecretAsync(next.ToSecret(stored), AuthoritySecretName, @namespace, cancellationToken: cancellationToken);
            }
            catch (Exception e) when (KubernetesApiErrors.IsConflict(e))
            {
                // Another silo took a step first: look at what it wrote.
                continue;
            }
            LogStep(current, next);
            return next.Signing;
        }
    }

    /// <summary>
    /// <paramref name="node"/>'s certificate: the one in its Secret while it is issued by the signing CA
    /// and expires later than <see cref="CertificateLifetimes.RenewBefore"/> from now; otherwise a new
    /// one, issued, stored and returned. <paramref name="hosts"/> are the extra names it is issued for.
    /// A kept certificate whose <c>ca.crt</c> is not the CA Secret's takes that <c>ca.crt</c> (stored too),
    /// so a node trusts a rotation's new CA before any certificate is issued by it.
    /// </summary>
    public async Task<TlsSecret> EnsureNodeAsync(string node, IReadOnlyCollection<string> hosts, CancellationToken cancellationToken = default)
    {
        string name = NodeSecretName(node);
        while (true)
        {
            TlsSecret authority = await EnsureAuthorityAsync(cancellationToken);
            V1Secret? stored = await ReadSecretAsync(name, cancellationToken);
            TlsSecret? kept = stored is null ? null : TlsSecret.FromSecret(stored);
            bool reissue = kept is null || NeedsRenewal(kept, authority);
            if (!reissue && kept!.AuthoritiesPem == authority.AuthoritiesPem)
                return kept;

            using X509Certificate2? issued = reissue ? Issue(authority, node, hosts) : null;
            TlsSecret renewed = issued is null ? kept! with { AuthoritiesPem = authority.AuthoritiesPem } : TlsSecret.From(issued, authority.AuthoritiesPem);
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
            if (issued is null)
                logger.LogInformation("Node {Node} trusts {Count} CA(s) in Secret {Namespace}/{Secret}", node, renewed.LoadAuthorities().Count, @namespace, name);
            else
                logger.LogInformation("Issued the certificate of node {Node} in Secret {Namespace}/{Secret}: serial {Serial}, valid until {NotAfter:u}", node,
                    @namespace, name, issued.SerialNumber, issued.NotAfter.ToUniversalTime());
            return renewed;
        }
    }

    /// <summary>A provided <c>kubernetes.io/tls</c> Secret, read as it is.</summary>
    /// <exception cref="InvalidOperationException">The Secret does not exist.</exception>
    /// <exception cref="InvalidDataException">A key is missing.</exception>
    public async Task<TlsSecret> ReadProvidedAsync(string name, CancellationToken cancellationToken = default) =>
        await ReadSecretAsync(name, cancellationToken) is { } secret
            ? TlsSecret.FromSecret(secret)
            : throw new InvalidOperationException($"TLS Secret {@namespace}/{name} does not exist");

    private X509Certificate2 Issue(TlsSecret authority, string node, IReadOnlyCollection<string> hosts)
    {
        using X509Certificate2 authorityCertificate = authority.LoadCertificate();
        return CertificateIssuer.IssueNode(authorityCertificate, node, hosts, time.GetUtcNow(), lifetimes.Node);
    }

    private bool NeedsRenewal(TlsSecret stored, TlsSecret authority)
    {
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(stored.CertificatePem);
        DateTimeOffset now = time.GetUtcNow();
        // Also when issued by a CA that no longer signs (rotated, or the CA Secret was replaced), even if still trusted.
        return certificate.NotAfter.ToUniversalTime() - now.UtcDateTime <= lifetimes.RenewBefore
            || new ClusterAuthority(authority).VerifyIssuedBySigning(certificate, now) is not null;
    }

    private void LogStep(ClusterAuthority from, ClusterAuthority to)
    {
        switch (to.Step)
        {
            case AuthorityRotationStep.Trusting:
                logger.LogInformation("CA rotation: created a new CA valid until {NotAfter:u} ({Reason}); every node trusts both before it signs",
                    NotAfter(to.NextCertificatePem!), from.RotationRequested ? "asked for" : "the CA expires " + NotAfter(from.Signing.CertificatePem).ToString("u"));
                break;
            case AuthorityRotationStep.Reissuing:
                logger.LogInformation("CA rotation: the new CA signs; nodes re-issue their certificates under it");
                break;
            default:
                logger.LogInformation("CA rotation: the old CA left the trust bundle; the CA valid until {NotAfter:u} is the only one trusted",
                    NotAfter(to.Signing.CertificatePem));
                break;
        }
    }

    private static DateTime NotAfter(string certificatePem)
    {
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(certificatePem);
        return certificate.NotAfter.ToUniversalTime();
    }

    private async Task<IReadOnlyList<TlsSecret>> ReadNodesAsync(CancellationToken cancellationToken)
    {
        V1SecretList list = await client.CoreV1.ListNamespacedSecretAsync(@namespace, labelSelector: NodeSecretSelector, cancellationToken: cancellationToken);
        return list.Items.Where(s => s.Metadata.Name.StartsWith(NodeSecretPrefix, StringComparison.Ordinal)).Select(TlsSecret.FromSecret).ToList();
    }

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
        [NameLabel] = "mnemo",
        [ComponentLabel] = component,
    };
}
