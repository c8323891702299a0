using Microsoft.Extensions.Logging;

namespace Mnemo.Grains;

/// <summary>The minimum level this silo logs at, switched while it runs (a MemoryMachine's <c>logLevel</c>); the host
/// implements it, as only the host owns the logging configuration.</summary>
public interface INodeLogLevel
{
    /// <summary>The minimum level in force.</summary>
    LogLevel Current { get; }

    /// <summary>Makes <paramref name="level"/> the minimum level of the silo's loggers from the next log call on.</summary>
    void Set(LogLevel level);
}
