using Mnemo.Client;
using Mnemo.Runtime;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Cli;

/// <summary>Connects, runs one command and turns failures into a one-line error and exit code 1.</summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(
        string[]? gateways, OutputFormat format, Func<ClusterClient, OutputFormat, CancellationToken, Task<int>> command,
        CancellationToken cancellationToken)
    {
        try
        {
            var options = new ClusterClientOptions
            {
                Gateways = ClusterClientOptions.GatewaysOrDefault(gateways),
                DefaultDeadline = TimeSpan.FromSeconds(10),
            };
            using var client = await ClusterClient.ConnectAsync(options, cancellationToken);
            return await command(client, format, cancellationToken);
        }
        catch (Exception e) when (e is ClusterUnreachableException or SiloUnavailableException or TimeoutException or GrainCallException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"mnemo: {e.Message}");
            return 1;
        }
    }
}
