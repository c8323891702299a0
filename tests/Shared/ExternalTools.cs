using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Xunit;

namespace Mnemo.Tests.Shared;

/// <summary>Finds and runs the memcached tools the conformance tests use; their absence fails the test, with the fix.
/// Shared by the test projects (linked into each).</summary>
public static partial class ExternalTools
{
    public static string Require(string program, string package)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        Assert.Fail($"'{program}' is not on PATH: install the Debian package '{package}' (apt-get install {package}).");
        return "";
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a program to completion and returns its exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, string arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {arguments} did not finish within {timeout}: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>Runs libmemcached's conformance suite (<c>-a</c> ascii or <c>-b</c> binary) against a
    /// memcached-protocol server and asserts that every one of its tests passed.</summary>
    public static async Task AssertMemccapablePassesAsync(int port, string protocolFlag)
    {
        string memccapable = Require("memccapable", "libmemcached-tools");
        string prefix = protocolFlag == "-b" ? "binary" : "ascii";
        (int exitCode, string output) = await RunAsync(memccapable, $"-h 127.0.0.1 -p {port} -t 10 {protocolFlag}", TimeSpan.FromMinutes(3));

        MatchCollection results = MemccapableResult().Matches(output);
        Assert.True(results.Count >= 20, $"too few test results from memccapable {protocolFlag}:\n{output}");
        Assert.All(results, r => Assert.StartsWith(prefix, r.Groups["name"].Value));
        string[] failed = results.Where(r => r.Groups["result"].Value != "pass").Select(r => r.Value).ToArray();
        Assert.True(failed.Length == 0, $"memccapable {protocolFlag} failures:\n" + string.Join('\n', failed) + "\n\n" + output);
        Assert.Contains("All tests passed", output);
        Assert.Equal(0, exitCode);
    }

    [GeneratedRegex(@"^(?<name>(ascii|binary) [\w ]+?)\s+\[(?<result>\w+)\]", RegexOptions.Multiline)]
    private static partial Regex MemccapableResult();
}
