using Mnemo.Client;

namespace Mnemo.Cli;

/// <summary>Connects, runs one command and turns failures into a one-line error and exit code 1.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(ConnectionArguments connection, OutputFormat format, Func<MnemoClient, OutputFormat, CancellationToken, Task<int>> command,
        CancellationToken cancellationToken)
    {
        try
        {
            await using MnemoClient client = await MnemoClient.ConnectAsync(connection.ToOptions(), cancellationToken);
            return await command(client, format, cancellationToken);
        }
        catch (Exception e) when (e is ClusterUnreachableException or TimeoutException or OrleansException or ArgumentException or k8s.Exceptions.KubeConfigException)
        {
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}");
            return 1;
        }
    }
}

/// <summary>Where the cluster is: <c>--gateway</c> (else <c>MNEMO_GATEWAY</c>), or the membership resources through <c>--kubeconfig</c> (else <c>KUBECONFIG</c>).</summary>
internal sealed record ConnectionArguments(string[]? Gateways, string? Kubeconfig, string? Namespace, string? ClusterId)
{
    public MnemoClientOptions ToOptions()
    {
        MnemoClientOptions options = MnemoClientOptions.FromEnvironment();
        string[] gateways = Gateways?.SelectMany(g => g.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray() ?? [];
        if (gateways.Length > 0)
            options.Gateways = [.. gateways];
        options.Kubeconfig = Kubeconfig;
        options.Namespace = Namespace;
        if (ClusterId is { Length: > 0 })
            options.ClusterId = ClusterId;
        options.ConnectTimeout = TimeSpan.FromSeconds(5);
        options.CallTimeout = TimeSpan.FromSeconds(10);
        return options;
    }
}
