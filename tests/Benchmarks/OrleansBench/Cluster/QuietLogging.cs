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
        // Its only warnings here are two start-up notes per silo recommending server GC. The bench keeps
        // workstation GC on purpose: mnemo-silo runs with it, so the figures are what a silo pays.
        logging.AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
    }

    public static ILoggerFactory CreateFactory() => LoggerFactory.Create(Apply);
}
