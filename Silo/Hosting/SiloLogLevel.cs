using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Mnemo.Grains;

namespace Mnemo.Silo;

/// <summary>
/// Switches the silo's minimum log level while it runs, as a MemoryMachine's <c>logLevel</c> asks: a set level becomes the
/// default rule of <see cref="LoggerFilterOptions"/> (the category rules the host adds, such as Orleans at Warning, stay),
/// and a change token makes the logger factory re-read its filters. Until a level is set, the level in force is the
/// configured default (Information unless the logging configuration says otherwise).
/// </summary>
public sealed class SiloLogLevel : INodeLogLevel, IOptionsChangeTokenSource<LoggerFilterOptions>
{
    private readonly Lock _gate = new();
    private CancellationTokenSource _changed = new();
    private LogLevel? _set;
    private LogLevel _start = LogLevel.Information;

    public LogLevel Current => _set ?? _start;

    string? IOptionsChangeTokenSource<LoggerFilterOptions>.Name => Options.DefaultName;

    public void Set(LogLevel level)
    {
        CancellationTokenSource changed;
        lock (_gate)
        {
            if (_set == level)
                return;
            _set = level;
            changed = _changed;
            _changed = new CancellationTokenSource();
        }
        changed.Cancel();
        changed.Dispose();
    }

    public IChangeToken GetChangeToken()
    {
        lock (_gate)
            return new CancellationChangeToken(_changed.Token);
    }

    /// <summary>Makes the set level the default rule; before one is set, notes the configured default as the start level.</summary>
    private void ApplyTo(LoggerFilterOptions options)
    {
        if (_set is not { } level)
        {
            _start = options.Rules.LastOrDefault(IsDefaultRule)?.LogLevel ?? options.MinLevel;
            return;
        }
        options.Rules.Add(new LoggerFilterRule(null, null, level, null));
        options.MinLevel = level;
    }

    private static bool IsDefaultRule(LoggerFilterRule rule) => rule is { ProviderName: null, CategoryName: null, Filter: null };

    /// <summary>Registers the switch as <see cref="INodeLogLevel"/> and as a source of <see cref="LoggerFilterOptions"/> changes.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<SiloLogLevel>();
        services.AddSingleton<INodeLogLevel>(sp => sp.GetRequiredService<SiloLogLevel>());
        services.AddSingleton<IOptionsChangeTokenSource<LoggerFilterOptions>>(sp => sp.GetRequiredService<SiloLogLevel>());
        services.AddOptions<LoggerFilterOptions>().PostConfigure<SiloLogLevel>((options, level) => level.ApplyTo(options));
    }
}
