using Microsoft.Extensions.Logging;

namespace Mnemo.Grains.Tests;

/// <summary>A test silo's log level switch: holds the level the node grain set, as the silo host's switch reports it.</summary>
public sealed class TestLogLevel : INodeLogLevel
{
    private volatile int _level = (int)LogLevel.Information;

    public LogLevel Current => (LogLevel)_level;

    public void Set(LogLevel level) => _level = (int)level;
}
