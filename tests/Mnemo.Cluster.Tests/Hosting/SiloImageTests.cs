using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.KubeApiServer;
using Mnemo.Tests.Shared;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// What the silo image runs (Dockerfile: <c>dotnet publish</c> of the silo, entrypoint
/// <c>dotnet /app/mnemo-silo.dll</c>), without a container engine: the published folder carries the
/// native engine, answers <c>--help</c>, accepts every switch k8s/silo/daemonset.yaml passes, and with
/// those switches and the pod's downward-API variables joins a cluster on the embedded API.
/// </summary>
public sealed class SiloImageTests : IDisposable
{
    private readonly string folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mnemo-image-" + Guid.NewGuid().ToString("N")[..8])).FullName;

    [Fact]
    public async Task The_published_silo_answers_help_takes_the_daemonsets_switches_and_joins_with_them()
    {
        string app = Path.Combine(folder, "app");
        var publish = await RunAsync("dotnet", ["publish", Path.Combine(RepositoryPaths.Root, "Silo", "Mnemo.Silo.csproj"), "-c", RepositoryPaths.Configuration,
            "--no-build", "--nologo", "-v", "quiet", "-o", app], TimeSpan.FromMinutes(5));
        Assert.True(publish.ExitCode == 0, publish.Output);
        Assert.True(File.Exists(Path.Combine(app, "libmnemo_engine.so")), "the published silo lacks libmnemo_engine.so");

        var help = await RunAsync("dotnet", [Path.Combine(app, "mnemo-silo.dll"), "--help"], TimeSpan.FromSeconds(60));
        Assert.True(help.ExitCode == 0, help.Output);
        List<string> args = DaemonSetArgs();
        List<string> switches = args.Where(a => a.StartsWith("--", StringComparison.Ordinal)).ToList();
        Assert.Contains("--pool-path", switches);
        Assert.All(switches, s => Assert.Contains($"  {s}  ", help.Output));

        // The DaemonSet's switches with this machine's free ports and folders; the downward API's variables as the pod gets them.
        await using EmbeddedKubeApi api = await EmbeddedKubeApi.StartAsync(
            new KubeApiServerOptions { ResourcePaths = [RepositoryPaths.Crds, Path.Combine(RepositoryPaths.Root, "k8s", "namespace.yaml")] }, NullLoggerFactory.Instance);
        string kubeconfig = api.WriteKubeconfig(Path.Combine(folder, "kubeconfig"));
        int[] ports = TestCluster.FreePorts(4);
        var local = new Dictionary<string, string>
        {
            ["--silo-port"] = ports[0].ToString(), ["--gateway-port"] = ports[1].ToString(), ["--health-port"] = ports[2].ToString(),
            ["--data-port"] = ports[3].ToString(), ["--state-dir"] = Path.Combine(folder, "state"), ["--pool-path"] = Path.Combine(folder, "pool"),
            ["--pool-capacity"] = "32Mi",
        };
        for (int i = 0; i + 1 < args.Count; i++)
        {
            if (local.TryGetValue(args[i], out string? value))
                args[i + 1] = value;
        }
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = app };
        foreach (string arg in (string[])[Path.Combine(app, "mnemo-silo.dll"), .. args, "--kubeconfig", kubeconfig])
            start.ArgumentList.Add(arg);
        start.Environment["NODE_NAME"] = "image-node";
        start.Environment["POD_IP"] = "127.0.0.1";
        start.Environment["POD_NAMESPACE"] = "mnemo-system";
        using Process silo = Process.Start(start)!;
        var output = new System.Text.StringBuilder();
        silo.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        silo.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        silo.BeginOutputReadLine();
        silo.BeginErrorReadLine();
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            DateTime deadline = DateTime.UtcNow.AddSeconds(90);
            bool ready = false;
            while (!ready && !silo.HasExited && DateTime.UtcNow < deadline)
            {
                try
                {
                    ready = (await http.GetAsync($"http://127.0.0.1:{ports[2]}/readyz")).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                }
                if (!ready)
                    await Task.Delay(200);
            }
            Assert.True(ready, $"the silo did not become ready: {output}");
            // It registered itself as the pod would: in the pod's namespace, under the node's name.
            using var client = new HttpClient { BaseAddress = api.BaseAddress };
            string silos = await client.GetStringAsync("/apis/mnemo.dev/v1alpha1/namespaces/mnemo-system/silos");
            Assert.Contains("\"siloName\":\"image-node\"", silos);
        }
        finally
        {
            if (!silo.HasExited)
            {
                silo.Kill(entireProcessTree: true);
                await silo.WaitForExitAsync();
            }
        }
    }

    private static List<string> DaemonSetArgs()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.Combine(RepositoryPaths.Root, "k8s", "silo", "daemonset.yaml")))
            yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        YamlNode Child(YamlNode node, string key) => ((YamlMappingNode)node).Children[new YamlScalarNode(key)];
        var containers = (YamlSequenceNode)Child(Child(Child(root, "spec"), "template"), "spec")["containers"];
        var silo = containers.Children.Single(c => ((YamlScalarNode)Child(c, "name")).Value == "silo");
        return ((YamlSequenceNode)Child(silo, "args")).Children.Select(a => ((YamlScalarNode)a).Value!).ToList();
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
