using Mnemo.Client;
using Mnemo.Kubernetes;
using Mnemo.SnapshotFiles;

namespace Mnemo.Cli;

/// <summary>
/// Runs <c>clustersnap export</c> and <c>import</c> with the Kubernetes API (the snapshot resources), the Orleans
/// client (the nodes' grains) and, when a gRPC endpoint is known (<c>--grpc</c> or <c>MNEMO_GRPC</c>), the SDK over the
/// gRPC API all at hand, and turns failures into one line on stderr and an exit code, the same either way.
/// </summary>
internal static class SnapshotTransferRunner
{
    /// <summary>Grain calls move whole engine exports and batches of writes: far longer than the CLI's usual calls.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Runs <paramref name="command"/>, which connects the Orleans client through the function it gets when it needs the grains.</summary>
    public static async Task<int> RunAsync(ConnectionArguments connection,
        Func<ClusterSnapshotResources, Func<Task<IClusterClient>>, MnemoClient?, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        MnemoClient? client = null;
        MnemoClient? grpc = null;
        try
        {
            using KubernetesConnection kubernetes = KubernetesConnection.Create(connection.Kubeconfig, connection.Namespace);
            MnemoClientOptions options = connection.ToOptions();
            options.CallTimeout = CallTimeout;
            if (options.GrpcEndpoints.Count > 0)
                grpc = MnemoClient.Create(options);
            return await command(new ClusterSnapshotResources(kubernetes),
                async () => (client ??= await MnemoClient.ConnectAsync(options, cancellationToken)).Cluster, grpc, cancellationToken);
        }
        catch (MnemoApiException e)
        {
            // The gRPC API's refusals, as the same exit codes as the Orleans path's.
            (int code, string more) = e.Reason switch
            {
                "SNAPSHOT_FILE_DAMAGED" => (ClusterSnapImportCommand.Damaged, ""),
                "MEMSHACK_NOT_FOUND" => (ExitCodes.NotFound, ""),
                "REPLICAS_UNAVAILABLE" => (ClusterSnapCommand.Failed, "; no file written"),
                _ => (ExitCodes.Failed, ""),
            };
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}{more}");
            return code;
        }
        catch (ExportFailedException e)
        {
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}; no file written");
            return ClusterSnapCommand.Failed;
        }
        catch (SnapshotFileException e)
        {
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}; nothing imported");
            return ClusterSnapImportCommand.Damaged;
        }
        catch (Exception e) when (e is ArgumentException or HttpRequestException or k8s.Autorest.HttpOperationException or k8s.Exceptions.KubeConfigException
                                      or ClusterUnreachableException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}");
            return ExitCodes.Failed;
        }
        finally
        {
            if (client is not null)
                await client.DisposeAsync();
            if (grpc is not null)
                await grpc.DisposeAsync();
        }
    }
}
