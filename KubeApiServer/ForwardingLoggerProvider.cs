using Microsoft.Extensions.Logging;

namespace Mnemo.KubeApiServer;

/// <summary>Hands the web host's loggers to the caller's factory (which the caller owns and disposes).</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
