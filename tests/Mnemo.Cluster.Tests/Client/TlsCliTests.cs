using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.Kubernetes;
using Mnemo.Kubernetes.Certificates;
using Mnemo.KubeApiServer;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// <c>mnemo tls status</c> and <c>mnemo tls rotate-ca</c> (the built CLI as a process) against an embedded
/// Kubernetes API holding generated certificates: the table and JSON rows, the annotation the request
/// sets, and the refusal while a request or a rotation is pending.
/// </summary>
public sealed class TlsCliTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mnemo-tls-cli-" + Guid.NewGuid().ToString("N")[..8])).FullName;
    private EmbeddedKubeApi _api = null!;
    private string _kubeconfig = null!;

    public async Task InitializeAsync()
    {
        _api = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions { ResourcePaths = [RepositoryPaths.Crds] }, NullLoggerFactory.Instance);
        _kubeconfig = _api.WriteKubeconfig(Path.Combine(_folder, "kubeconfig"));
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Status_shows_the_ca_and_every_node_and_rotate_ca_asks_the_silos_once()
    {
        using KubernetesConnection kubernetes = KubernetesConnection.Create(_kubeconfig, "default");
        var certificates = new ClusterCertificates(kubernetes.Client, "default", new CertificateLifetimes(), TimeProvider.System, NullLogger.Instance);
        await certificates.EnsureNodeAsync("node-0", []);
        await certificates.EnsureNodeAsync("node-1", []);

        CliRunner.Result table = await TlsAsync("status");
        Assert.True(table.ExitCode == 0, table.Stderr);
        foreach (string expected in new[] { "SECRET", "FROM SIGNING CA", "TRUSTED CAS", "mnemo-ca", "signing CA", "Stable", "mnemo-node-node-0", "mnemo-node-node-1" })
            Assert.Contains(expected, table.Stdout);

        JsonElement[] rows = await RowsAsync();
        Assert.Equal(new[] { "mnemo-ca", "mnemo-node-node-0", "mnemo-node-node-1" }, rows.Select(r => r.GetProperty("secret").GetString()));
        Assert.Equal("Stable", rows[0].GetProperty("step").GetString());
        Assert.All(rows[1..], r => Assert.Equal("yes", r.GetProperty("fromSigningCa").GetString()));
        Assert.All(rows, r => Assert.Equal(1, r.GetProperty("trustedCas").GetInt32()));

        CliRunner.Result rotate = await TlsAsync("rotate-ca");
        Assert.True(rotate.ExitCode == 0, rotate.Stderr);
        Assert.Contains("CA rotation asked for", rotate.Stderr);
        V1Secret ca = await kubernetes.Client.CoreV1.ReadNamespacedSecretAsync(ClusterCertificates.AuthoritySecretName, "default");
        Assert.True(ca.Metadata.Annotations.ContainsKey(ClusterAuthority.RotateAnnotation));
        CliRunner.Result twice = await TlsAsync("rotate-ca");
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("already asked for", twice.Stderr);

        // A silo's check starts the rotation: the new CA waits beside the signing one, both trusted.
        await certificates.EnsureAuthorityAsync();
        rows = await RowsAsync();
        Assert.Equal(new[] { "signing CA", "next CA", "node", "node" }, rows.Select(r => r.GetProperty("role").GetString()));
        Assert.Equal("Trusting", rows[1].GetProperty("step").GetString());
        Assert.Equal(2, rows[0].GetProperty("trustedCas").GetInt32());
        CliRunner.Result during = await TlsAsync("rotate-ca");
        Assert.Equal(1, during.ExitCode);
        Assert.Contains("already under way (step Trusting)", during.Stderr);
    }

    [Fact]
    public async Task Tls_answers_help_naming_its_commands()
    {
        CliRunner.Result help = await CliRunner.MnemoAsync("tls", "--help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("status", help.Stdout);
        Assert.Contains("rotate-ca", help.Stdout);
    }

    private Task<CliRunner.Result> TlsAsync(params string[] args) => CliRunner.MnemoAsync(["tls", .. args, "--kubeconfig", _kubeconfig, "-n", "default"]);

    private async Task<JsonElement[]> RowsAsync()
    {
        CliRunner.Result json = await TlsAsync("status", "-o", "json");
        Assert.True(json.ExitCode == 0, json.Stderr);
        return JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToArray();
    }
}
