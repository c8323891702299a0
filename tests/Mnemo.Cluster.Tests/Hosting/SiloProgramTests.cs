using Mnemo.Tests.Shared;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>The <c>mnemo-silo</c> program as a user meets it: help, and ports that are already taken.</summary>
public sealed class SiloProgramTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task Help_lists_the_options_and_exits_0(string flag)
    {
        var silo = await RunSiloAsync(flag);
        var devCluster = await RunSiloAsync("dev-cluster", flag);

        Assert.Equal(0, silo.ExitCode);
        Assert.Contains("--node-name  MNEMO_NODE_NAME", silo.Output);
        Assert.Contains("--kubeconfig", silo.Output);
        Assert.Equal(0, devCluster.ExitCode);
        Assert.Contains("--api-port", devCluster.Output);
    }

    [Fact]
    public async Task A_silo_whose_port_is_taken_names_the_port_and_its_purpose_and_stops()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string state = Path.Combine(Path.GetTempPath(), "mnemo-port-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // Every other port free, so the one taken is the only one named whatever else runs on this machine.
            int[] free = TestCluster.FreePorts(3);
            var result = await RunSiloAsync("--node-name", "n0", "--health-port", port.ToString(), "--silo-port", free[0].ToString(),
                "--gateway-port", free[1].ToString(), "--data-port", free[2].ToString(), "--grpc-port", "0", "--state-dir", state,
                "--pool-path", Path.Combine(state, "pool"), "--pool-capacity", "16Mi");

            Assert.Equal(1, result.ExitCode);
            Assert.Equal($"mnemo-silo: port already in use: 127.0.0.1:{port} (health port); stop what holds it or choose other ports", result.Output.Trim());
            Assert.False(File.Exists(Path.Combine(state, "pool")), "nothing should have been created before the check");
        }
        finally
        {
            if (Directory.Exists(state))
                Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task The_local_cluster_with_its_api_port_taken_says_so_and_stops_without_starting_silos()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;
        string state = Path.Combine(Path.GetTempPath(), "mnemo-port-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var result = await RunSiloAsync("dev-cluster", "--api-port", port.ToString(), "--state", state,
                "--crds", RepositoryPaths.Crds, "--base-port", TestCluster.FreePorts(1)[0].ToString());

            Assert.Equal(1, result.ExitCode);
            Assert.Contains($"127.0.0.1:{port} (Kubernetes API)", result.Output);
            Assert.DoesNotContain("[node-", result.Output);
            Assert.DoesNotContain("   at ", result.Output);
        }
        finally
        {
            if (Directory.Exists(state))
                Directory.Delete(state, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunSiloAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(typeof(Mnemo.Silo.SiloProcess).Assembly.Location);
        foreach (string arg in args)
            info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}
