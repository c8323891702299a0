using Mnemo.Client;

namespace Mnemo.Cli;

/// <summary>Runs one command on a client that connects on first use, and turns failures into a one-line error and
/// exit code 1 (2 when the Memshack does not exist).</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(ConnectionArguments connection, OutputFormat format, Func<MnemoClient, OutputFormat, CancellationToken, Task<int>> command,
        CancellationToken cancellationToken)
    {
        try
        {
            await using MnemoClient client = MnemoClient.Create(connection.ToOptions());
            return await command(client, format, cancellationToken);
        }
        catch (MnemoApiException e) when (e.Reason == "MEMSHACK_NOT_FOUND")
        {
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}");
            return ExitCodes.NotFound;
        }
        catch (Exception e) when (e is ClusterUnreachableException or MnemoApiException or TimeoutException or OrleansException or ArgumentException
                                      or InvalidOperationException or k8s.Exceptions.KubeConfigException)
        {
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}");
            return ExitCodes.Failed;
        }
    }
}

/// <summary>Where the cluster is: <c>--gateway</c> (else <c>MNEMO_GATEWAY</c>), or the membership resources through
/// <c>--kubeconfig</c> (else <c>KUBECONFIG</c>); its gRPC API at <c>--grpc</c> (else <c>MNEMO_GRPC</c>).</summary>
internal sealed record ConnectionArguments(string[]? Gateways, string[]? GrpcEndpoints, string? Kubeconfig, string? Namespace, string? ClusterId)
{
    public MnemoClientOptions ToOptions()
    {
        MnemoClientOptions options = MnemoClientOptions.FromEnvironment();
        string[] gateways = Endpoints(Gateways);
        if (gateways.Length > 0)
            options.Gateways = [.. gateways];
        string[] grpc = Endpoints(GrpcEndpoints);
        if (grpc.Length > 0)
            options.GrpcEndpoints = [.. grpc];
        options.Kubeconfig = Kubeconfig;
        options.Namespace = Namespace;
        if (ClusterId is { Length: > 0 })
            options.ClusterId = ClusterId;
        options.ConnectTimeout = TimeSpan.FromSeconds(5);
        options.CallTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    /// <summary>Repeated options and comma-separated lists alike.</summary>
    private static string[] Endpoints(string[]? values) =>
        values?.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray() ?? [];
}
