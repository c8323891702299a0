using Mnemo.Tests.Shared;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>The mnemo-kube-api command line, run as a real process.</summary>
public sealed partial class ProgramTests
{
    private static readonly string Assembly = typeof(EmbeddedKubeApi).Assembly.Location;

    [Fact]
    public async Task Help_prints_usage_and_exits_0()
    {
        var (exitCode, stdout, _) = await RunAsync("--help");
        Assert.Equal(0, exitCode);
        Assert.StartsWith("usage: mnemo-kube-api", stdout);
        Assert.Contains("--resources PATH", stdout);
    }

    [Fact]
    public async Task An_unknown_option_exits_2_with_a_clear_error()
    {
        var (exitCode, _, stderr) = await RunAsync("--bogus");
        Assert.Equal(2, exitCode);
        Assert.Contains("unknown option '--bogus'", stderr);
    }

    [Fact]
    public async Task A_port_in_use_exits_1_with_one_line_naming_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var (exitCode, stdout, stderr) = await RunAsync("--port", port.ToString());

        Assert.Equal(1, exitCode);
        Assert.Equal($"mnemo-kube-api: port {port} is already in use", stderr.Trim());
        Assert.Equal("", stdout.Trim()); // no stack trace from the host either
    }

    [Fact]
    public async Task It_serves_until_sigterm_and_logs_one_line_with_its_address()
    {
        using var folder = new TempFolder();
        string kubeconfig = Path.Combine(folder.Path, "kubeconfig");
        using Process process = Process.Start(StartInfo("--port", "0", "--kubeconfig", kubeconfig, "--resources", RepositoryPaths.Crds))!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            string line = await Eventually.ValueAsync(() => Task.FromResult(output.FirstOrDefault(l => l.Contains("listening on"))), "the address line", TimeSpan.FromSeconds(30));
            Uri address = new(ListeningOn().Match(line).Groups[1].Value);
            using var http = new HttpClient { BaseAddress = address };
            Assert.Contains("\"minor\":\"32\"", await http.GetStringAsync("/version"));
            Assert.Contains(address.Authority, await File.ReadAllTextAsync(kubeconfig));
            Assert.Contains("memshacks", await http.GetStringAsync("/apis/mnemo.dev/v1alpha1"));

            using (Process kill = Process.Start("kill", ["-TERM", process.Id.ToString()]))
            {
                await kill.WaitForExitAsync();
            }
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.DoesNotContain(output, l => l.Contains("Now listening") || l.Contains("Application started"));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(params string[] args)
    {
        using Process process = Process.Start(StartInfo(args))!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static ProcessStartInfo StartInfo(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Assembly);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }

    [GeneratedRegex(@"listening on (http://\S+)")]
    private static partial Regex ListeningOn();
}
