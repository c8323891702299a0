using System.Diagnostics;

namespace Mnemo.Cluster.Tests.Infrastructure;

/// <summary>Runs the built <c>mnemo</c> CLI (mnemo.dll next to the tests) as a process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mnemo.dll"));
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.Environment.Remove("MNEMO_GATEWAY");
        info.Environment["COLUMNS"] = "200";

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, await stdout, await stderr);
    }
}
