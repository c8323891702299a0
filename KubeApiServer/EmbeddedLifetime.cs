using Microsoft.Extensions.Hosting;

namespace Mnemo.KubeApiServer;

/// <summary>
/// The host's lifetime when the server is embedded: it does not stop on Ctrl+C or SIGTERM by
/// itself (the default console lifetime would). The program that embeds it decides, so a local
/// cluster can stop its silos first while they still reach the API, and the API last.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
