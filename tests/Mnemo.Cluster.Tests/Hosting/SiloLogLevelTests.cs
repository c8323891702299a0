using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mnemo.Grains;
using Mnemo.Silo;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>The silo's log level switch on a real logger factory, registered as the silo host registers it: a level set
/// while loggers exist changes what they emit at once, the host's category rules stay, and the start level is the configured one.</summary>
public sealed class SiloLogLevelTests
{
    [Fact]
    public void Debug_lines_are_emitted_after_a_switch_to_Debug_and_not_after_the_switch_back()
    {
        var lines = new Lines();
        using ServiceProvider services = Services(lines, LogLevel.Information);
        ILogger logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mnemo.Silo.Pool");
        ILogger orleans = services.GetRequiredService<ILoggerFactory>().CreateLogger("Orleans.Runtime.Catalog");
        INodeLogLevel level = services.GetRequiredService<INodeLogLevel>();
        Assert.Equal(LogLevel.Information, level.Current);

        logger.LogDebug("before");
        level.Set(LogLevel.Debug);
        logger.LogDebug("during");
        orleans.LogInformation("orleans during");
        Assert.Equal(LogLevel.Debug, level.Current);
        level.Set(LogLevel.Information);
        logger.LogDebug("after");
        logger.LogInformation("information after");

        Assert.Equal(["Mnemo.Silo.Pool: during", "Mnemo.Silo.Pool: information after"], lines.All);
        Assert.Equal(LogLevel.Information, level.Current);
    }

    [Fact]
    public void The_configured_level_is_in_force_until_one_is_set_and_a_higher_one_quiets_Information()
    {
        var lines = new Lines();
        using ServiceProvider services = Services(lines, LogLevel.Warning);
        ILogger logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mnemo.Silo.Pool");
        INodeLogLevel level = services.GetRequiredService<INodeLogLevel>();
        Assert.Equal(LogLevel.Warning, level.Current);

        logger.LogInformation("quiet");
        level.Set(LogLevel.Information);
        logger.LogInformation("heard");
        level.Set(LogLevel.Error);
        logger.LogWarning("quiet again");

        Assert.Equal(["Mnemo.Silo.Pool: heard"], lines.All);
    }

    private static ServiceProvider Services(Lines lines, LogLevel configured)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(lines).AddFilter(null, configured).AddFilter("Orleans", LogLevel.Warning));
        SiloLogLevel.Register(services);
        return services.BuildServiceProvider();
    }

    private sealed class Lines : ILoggerProvider
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public string[] All => _lines.ToArray();

        public ILogger CreateLogger(string categoryName) => new Line(categoryName, _lines);

        public void Dispose()
        {
        }

        private sealed class Line(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{category}: {formatter(state, exception)}");
        }
    }
}
