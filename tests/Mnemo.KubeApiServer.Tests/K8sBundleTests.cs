using System.Diagnostics;
using System.Text.Json.Nodes;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>
/// The k8s/ bundle as an operator installs it: <c>kubectl apply -k k8s/</c> against a fresh server,
/// every kind listed, the samples applied, <c>kubectl delete -k k8s/</c> removing it all; and every
/// built-in object of the bundle checked against Kubernetes' own schemas (the npm package
/// kubernetes-models, installed into build/k8s-schemas by the test).
/// </summary>
public sealed class K8sBundleTests
{
    private static string Bundle => Path.Combine(RepositoryPaths.Root, "k8s");

    private static string Samples => Path.Combine(Bundle, "samples");

    [Fact]
    public async Task Apply_k_installs_the_bundle_get_lists_every_kind_and_delete_k_removes_it()
    {
        using var folder = new TempFolder();
        await using EmbeddedKubeApi server = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions());
        var kubectl = new Kubectl(server.WriteKubeconfig(Path.Combine(folder.Path, "kubeconfig")), Path.Combine(folder.Path, "cache"));

        Kubectl.Result installed = await kubectl.RunAsync("apply", "-k", Bundle);

        Assert.True(installed.ExitCode == 0, installed.Output);
        foreach (string line in new[]
        {
            "namespace/mnemo-system created",
            "customresourcedefinition.apiextensions.k8s.io/memshacks.mnemo.dev created",
            "customresourcedefinition.apiextensions.k8s.io/memorymachines.mnemo.dev created",
            "customresourcedefinition.apiextensions.k8s.io/silos.mnemo.dev created",
            "customresourcedefinition.apiextensions.k8s.io/clusterversions.mnemo.dev created",
            "customresourcedefinition.apiextensions.k8s.io/mnemonodes.mnemo.dev created",
            "customresourcedefinition.apiextensions.k8s.io/clustersnapshots.mnemo.dev created",
            "customresourcedefinition.apiextensions.k8s.io/clustersnapshotrestores.mnemo.dev created",
            "serviceaccount/mnemo-silo created",
            "role.rbac.authorization.k8s.io/mnemo-membership created",
            "clusterrole.rbac.authorization.k8s.io/mnemo-silo created",
            "rolebinding.rbac.authorization.k8s.io/mnemo-membership created",
            "clusterrolebinding.rbac.authorization.k8s.io/mnemo-silo created",
            "service/mnemo-silo created",
            "poddisruptionbudget.policy/mnemo-silo created",
            "daemonset.apps/mnemo-silo created",
        })
        {
            Assert.Contains(line, installed.Stdout);
        }
        Kubectl.Result again = await kubectl.RunAsync("apply", "-k", Bundle);
        Assert.True(again.ExitCode == 0, again.Output);
        // kubectl always sends a PodDisruptionBudget's selector (its patch strategy is "replace"), so it
        // says "configured" for it, as against any cluster; the server changes nothing.
        Assert.All(again.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), line =>
            Assert.True(line.EndsWith(" unchanged", StringComparison.Ordinal) || line == "poddisruptionbudget.policy/mnemo-silo configured", line));
        Kubectl.Result generation = await kubectl.RunAsync("get", "pdb", "mnemo-silo", "-n", "mnemo-system", "-o", "jsonpath={.metadata.generation}");
        Assert.Equal("1", generation.Stdout);

        Kubectl.Result builtins = await kubectl.RunAsync("get", "daemonsets,services,poddisruptionbudgets,serviceaccounts,roles,rolebindings", "-n", "mnemo-system");
        Assert.True(builtins.ExitCode == 0, builtins.Output);
        foreach (string name in new[] { "daemonset.apps/mnemo-silo", "service/mnemo-silo", "poddisruptionbudget.policy/mnemo-silo", "serviceaccount/mnemo-silo",
            "role.rbac.authorization.k8s.io/mnemo-membership", "rolebinding.rbac.authorization.k8s.io/mnemo-membership" })
        {
            Assert.Contains(name, builtins.Stdout);
        }
        Assert.Matches(@"daemonset\.apps/mnemo-silo\s+0\s+0\s+0\s+0\s+0\s+storage=pmem", builtins.Stdout);
        Assert.Matches(@"poddisruptionbudget\.policy/mnemo-silo\s+N/A\s+1\s+0", builtins.Stdout);
        Kubectl.Result clusterScoped = await kubectl.RunAsync("get", "clusterrole/mnemo-silo", "clusterrolebinding/mnemo-silo");
        Assert.True(clusterScoped.ExitCode == 0, clusterScoped.Output);
        Assert.Matches(@"clusterrolebinding\.rbac\.authorization\.k8s\.io/mnemo-silo\s+ClusterRole/mnemo-silo", clusterScoped.Stdout);

        Kubectl.Result samples = await kubectl.RunAsync("apply", "-f", Samples);
        Assert.True(samples.ExitCode == 0, samples.Output);
        Assert.Contains("memshack.mnemo.dev/sample created", samples.Stdout);
        Assert.Contains("memorymachine.mnemo.dev/sample created", samples.Stdout);
        Kubectl.Result custom = await kubectl.RunAsync("get", "memshacks,memorymachines,silos,clusterversions", "-A");
        Assert.True(custom.ExitCode == 0, custom.Output);
        Assert.Matches(@"default\s+memshack\.mnemo\.dev/sample\s+3\s+2\s+5000\s+all", custom.Stdout);
        Assert.Matches(@"default\s+memorymachine\.mnemo\.dev/sample\s+emulation\s+256Mi", custom.Stdout);

        Kubectl.Result removedSamples = await kubectl.RunAsync("delete", "-f", Samples);
        Assert.True(removedSamples.ExitCode == 0, removedSamples.Output);
        Kubectl.Result removed = await kubectl.RunAsync("delete", "-k", Bundle);
        Assert.True(removed.ExitCode == 0, removed.Output);
        Assert.Contains("daemonset.apps \"mnemo-silo\" deleted", removed.Stdout);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io \"memshacks.mnemo.dev\" deleted", removed.Stdout);
        foreach (string[] gone in new[] { new[] { "namespace", "mnemo-system" }, ["clusterrole", "mnemo-silo"], ["clusterrolebinding", "mnemo-silo"], ["crd", "memorymachines.mnemo.dev"] })
        {
            Kubectl.Result get = await kubectl.RunAsync(["get", .. gone]);
            Assert.True(get.ExitCode != 0 && get.Stderr.Contains("NotFound"), $"{string.Join(' ', gone)} is still there: {get.Output}");
        }
    }

    [Fact]
    public async Task Every_builtin_object_of_the_bundle_passes_the_kubernetes_schemas()
    {
        string modules = await KubernetesModelsAsync();
        string bundle = (await RunAsync(Kubectl.Program, ["kustomize", Bundle], null)).Output;
        var objects = new JsonArray([.. YamlToJson.Documents(bundle)]);
        Assert.Equal(16, objects.Count);

        (int exitCode, string output) = await RunAsync("node", [Validator, modules], objects.ToJsonString());

        Assert.True(exitCode == 0, output);
        Assert.Equal(objects.Count, output.Split('\n').Count(line => line.StartsWith("ok ", StringComparison.Ordinal)));

        // The same check refuses a broken object: a DaemonSet without its selector, a port that is not a number.
        JsonNode daemonSet = objects.Single(o => (string?)o!["kind"] == "DaemonSet")!.DeepClone();
        daemonSet["spec"]!.AsObject().Remove("selector");
        daemonSet["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]![0]!["containerPort"] = "silo";
        (int brokenExit, string brokenOutput) = await RunAsync("node", [Validator, modules], new JsonArray(daemonSet).ToJsonString());
        Assert.Equal(1, brokenExit);
        Assert.Contains("must have required property selector", brokenOutput);
        Assert.Contains("/spec/template/spec/containers/0/ports/0/containerPort", brokenOutput);
    }

    private static string Validator => Path.Combine(RepositoryPaths.Root, "scripts", "k8s-schemas", "validate.mjs");

    /// <summary>Installs the pinned kubernetes-models (scripts/k8s-schemas/package-lock.json) into build/k8s-schemas once.</summary>
    private static async Task<string> KubernetesModelsAsync()
    {
        string source = Path.Combine(RepositoryPaths.Root, "scripts", "k8s-schemas");
        string cache = Path.Combine(RepositoryPaths.Root, "build", "k8s-schemas");
        string lockFile = Path.Combine(cache, "package-lock.json");
        if (File.Exists(Path.Combine(cache, "node_modules", "kubernetes-models", "package.json"))
            && File.Exists(lockFile) && File.ReadAllText(lockFile) == File.ReadAllText(Path.Combine(source, "package-lock.json")))
        {
            return cache;
        }
        Directory.CreateDirectory(cache);
        File.Copy(Path.Combine(source, "package.json"), Path.Combine(cache, "package.json"), overwrite: true);
        File.Copy(Path.Combine(source, "package-lock.json"), lockFile, overwrite: true);
        (int exitCode, string output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund", "--prefix", cache], null, TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, $"npm ci of kubernetes-models failed (the npm registry must be reachable): {output}");
        return cache;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] args, string? stdin, TimeSpan? timeout = null)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using Process process = Process.Start(start)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
