using Mnemo.Tests.Shared;
using System.Diagnostics;

namespace Mnemo.Cluster.Tests;

/// <summary>Runs the built <c>mnemo</c> CLI (from its own output folder, which has its dependencies) and the machine's kubectl as processes.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Task<Result> MnemoAsync(params string[] args) =>
        RunAsync("dotnet", [Path.Combine(RepositoryPaths.Root, "Client", "Cli", "bin", RepositoryPaths.Configuration, "net10.0", "mnemo.dll"), .. args], environment: null);

    /// <summary>The CLI with extra environment variables (a terminal type, MNEMO_GRPC, ...).</summary>
    public static Task<Result> MnemoAsync(IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunAsync("dotnet", [Path.Combine(RepositoryPaths.Root, "Client", "Cli", "bin", RepositoryPaths.Configuration, "net10.0", "mnemo.dll"), .. args], environment);

    /// <summary>The built CLI's own executable (the apphost next to mnemo.dll), which <c>make run</c> links as mnemo and kubectl-mnemo.</summary>
    public static string MnemoExecutable => Path.Combine(RepositoryPaths.Root, "Client", "Cli", "bin", RepositoryPaths.Configuration, "net10.0", "mnemo");

    /// <summary>kubectl against <paramref name="kubeconfig"/>, with a discovery cache of its own (kubectl caches per server).</summary>
    public static Task<Result> KubectlAsync(string kubeconfig, params string[] args) =>
        RunAsync("kubectl", ["--cache-dir", Path.Combine(Path.GetDirectoryName(kubeconfig)!, "kubectl-cache"), .. args],
            new Dictionary<string, string> { ["KUBECONFIG"] = kubeconfig });

    /// <summary>kubectl running a plugin: no flag before the plugin's name (kubectl looks plugins up by the words before the first flag).</summary>
    public static Task<Result> KubectlPluginAsync(string kubeconfig, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        RunAsync("kubectl", args, new Dictionary<string, string>(environment) { ["KUBECONFIG"] = kubeconfig });

    private static async Task<Result> RunAsync(string program, string[] args, IReadOnlyDictionary<string, string>? environment)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment.Remove("MNEMO_GATEWAY");
        info.Environment.Remove("MNEMO_CLUSTER_ID");
        info.Environment["COLUMNS"] = "200";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            info.Environment[name] = value;

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
