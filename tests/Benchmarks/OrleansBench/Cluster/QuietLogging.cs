using Microsoft.Extensions.Logging;

namespace Mnemo.OrleansBench;

/// <summary>Warnings and errors only, on stderr: stdout carries nothing but figures.</summary>
internal static class QuietLogging
{
    public static void Apply(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddSimpleConsole(console => console.SingleLine = true);
        logging.AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        logging.SetMinimumLevel(LogLevel.Warning);
    }

    public static ILoggerFactory CreateFactory() => LoggerFactory.Create(Apply);
}
