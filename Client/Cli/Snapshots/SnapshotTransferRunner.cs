using Mnemo.Client;
using Mnemo.Kubernetes;
using Mnemo.SnapshotFiles;

namespace Mnemo.Cli;

/// <summary>
/// Runs <c>clustersnap export</c> and <c>import</c> with the Kubernetes API (the snapshot resources) and the Orleans
/// client (the nodes' grains) both at hand, and turns failures into one line on stderr and an exit code.
/// </summary>
internal static class SnapshotTransferRunner
{
    /// <summary>Grain calls move whole engine exports and batches of writes: far longer than the CLI's usual calls.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Runs <paramref name="command"/>, which connects the Orleans client through the function it gets when it needs the grains.</summary>
    public static async Task<int> RunAsync(ConnectionArguments connection,
        Func<ClusterSnapshotResources, Func<Task<IClusterClient>>, CancellationToken, Task<int>> command, CancellationToken cancellationToken)
    {
        MnemoClient? client = null;
        try
        {
            using KubernetesConnection kubernetes = KubernetesConnection.Create(connection.Kubeconfig, connection.Namespace);
            MnemoClientOptions options = connection.ToOptions();
            options.CallTimeout = CallTimeout;
            return await command(new ClusterSnapshotResources(kubernetes),
                async () => (client ??= await MnemoClient.ConnectAsync(options, cancellationToken)).Cluster, cancellationToken);
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
        }
    }
}
