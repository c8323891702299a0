using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;
using Mnemo.Kubernetes;
using Mnemo.Kubernetes.Certificates;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary>
/// <c>mnemo tls status</c> and <c>mnemo tls rotate-ca</c>: the silos' generated CA as the Secrets hold it
/// (the CA rotation's step, the CAs, each node's certificate and what it trusts), and an operator's
/// request to rotate the CA: the annotation on <c>mnemo-ca</c> that the silos act on at their next check.
/// </summary>
internal static class TlsCommand
{
    /// <summary>One Secret's certificate; JSON and YAML carry the same fields as the table.</summary>
    public sealed record Row(string Secret, string Role, string Step, string Serial, DateTime NotAfter, string FromSigningCa, int TrustedCas);

    public static Command Create(Option<string?> kubeconfig, Option<string?> ns, Option<OutputFormat> output)
    {
        var command = new Command("tls", "The silos' generated CA and node certificates (Secrets mnemo-ca and mnemo-node-<node>)");

        var status = new Command("status", "The CA rotation's step, the CAs, and each node's certificate and trusted CAs");
        status.SetAction((parse, cancel) => RunAsync(parse, kubeconfig, ns, async (client, space, token) =>
            Show(await ReadAsync(client, space, token), parse.GetValue(output)), cancel));
        command.Subcommands.Add(status);

        var rotate = new Command("rotate-ca",
            $"Asks the silos to rotate the CA with an overlap (annotation {ClusterAuthority.RotateAnnotation} on Secret {ClusterCertificates.AuthoritySecretName}); "
            + "refused while a rotation is under way; then shows the status");
        rotate.SetAction((parse, cancel) => RunAsync(parse, kubeconfig, ns, async (client, space, token) =>
        {
            ClusterAuthority authority = ClusterAuthority.FromSecret(await client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, space,
                cancellationToken: token));
            if (authority.Step != AuthorityRotationStep.Stable || authority.RotationRequested)
                throw new ArgumentException($"a CA rotation is already {(authority.RotationRequested ? "asked for" : "under way")} (step {authority.Step})");
            var annotation = new { metadata = new { annotations = new Dictionary<string, string> { [ClusterAuthority.RotateAnnotation] = DateTime.UtcNow.ToString("O") } } };
            await client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(annotation, V1Patch.PatchType.MergePatch), ClusterCertificates.AuthoritySecretName, space,
                cancellationToken: token);
            await Console.Error.WriteLineAsync("mnemo: CA rotation asked for; the silos start it at their next check");
            return Show(await ReadAsync(client, space, token), parse.GetValue(output));
        }, cancel));
        command.Subcommands.Add(rotate);
        return command;
    }

    private static int Show(IReadOnlyList<Row> rows, OutputFormat format)
    {
        if (Output.TryWriteStructured(format, rows))
            return ExitCodes.Ok;
        var table = new Table().AddColumns("SECRET", "ROLE", "STEP", "SERIAL", "NOT AFTER", "FROM SIGNING CA", "TRUSTED CAS");
        foreach (Row row in rows)
        {
            table.AddRow(Markup.Escape(row.Secret), row.Role, row.Step, row.Serial, row.NotAfter.ToString("u", CultureInfo.InvariantCulture), row.FromSigningCa,
                row.TrustedCas.ToString(CultureInfo.InvariantCulture));
        }
        Tables.Write(table);
        return ExitCodes.Ok;
    }

    /// <summary>The CA Secret's rows (the signing CA, and the next one during a rotation's first step), then each node Secret's.</summary>
    private static async Task<IReadOnlyList<Row>> ReadAsync(IKubernetes client, string space, CancellationToken token)
    {
        ClusterAuthority authority = ClusterAuthority.FromSecret(await client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, space,
            cancellationToken: token));
        int trusted = authority.Signing.LoadAuthorities().Count;
        string step = authority.Step.ToString();
        var rows = new List<Row> { Describe(ClusterCertificates.AuthoritySecretName, "signing CA", step, authority.Signing.CertificatePem, "", trusted) };
        if (authority.NextCertificatePem is not null)
            rows.Add(Describe(ClusterCertificates.AuthoritySecretName, "next CA", step, authority.NextCertificatePem, "", trusted));

        V1SecretList nodes = await client.CoreV1.ListNamespacedSecretAsync(space, labelSelector: ClusterCertificates.NodeSecretSelector,
            cancellationToken: token);
        foreach (V1Secret secret in nodes.Items.OrderBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            TlsSecret node = TlsSecret.FromSecret(secret);
            using X509Certificate2 certificate = X509Certificate2.CreateFromPem(node.CertificatePem);
            string fromSigning = authority.VerifyIssuedBySigning(certificate, DateTimeOffset.UtcNow) is null ? "yes" : "no";
            rows.Add(Describe(secret.Metadata.Name, "node", "", node.CertificatePem, fromSigning, node.LoadAuthorities().Count));
        }
        return rows;
    }

    private static Row Describe(string secret, string role, string step, string certificatePem, string fromSigning, int trusted)
    {
        using X509Certificate2 certificate = X509Certificate2.CreateFromPem(certificatePem);
        return new Row(secret, role, step, certificate.SerialNumber, certificate.NotAfter.ToUniversalTime(), fromSigning, trusted);
    }

    private static async Task<int> RunAsync(ParseResult parse, Option<string?> kubeconfig, Option<string?> ns,
        Func<IKubernetes, string, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        try
        {
            using KubernetesConnection kubernetes = KubernetesConnection.Create(parse.GetValue(kubeconfig), parse.GetValue(ns));
            return await command(kubernetes.Client, kubernetes.Namespace, cancellationToken);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or HttpRequestException or k8s.Autorest.HttpOperationException
            or k8s.Exceptions.KubeConfigException)
        {
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}
