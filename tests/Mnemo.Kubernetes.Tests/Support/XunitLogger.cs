using Microsoft.Extensions.Logging;

namespace Mnemo.Kubernetes.Tests;

/// <summary>Sends logs of the code under test to the xunit test output (shown when a test fails).</summary>
internal sealed class XunitLoggerProvider(ITestOutputHelper output, LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(output, categoryName, minimum);

    public void Dispose()
    {
    }

    public static ILoggerFactory Factory(ITestOutputHelper output, LogLevel minimum = LogLevel.Information) =>
        LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddProvider(new XunitLoggerProvider(output, minimum)));

    private sealed class Logger(ITestOutputHelper output, string category, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            try
            {
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; its output is closed.
            }
        }
    }
}
