namespace Mnemo.OrleansBench;

/// <summary>Times grain-to-grain calls from inside a grain, where the runtime's grain-call path applies.</summary>
public interface ICallerGrain : IPinnedGrain
{
    /// <summary><paramref name="count"/> sequential <see cref="IEchoGrain.Ping"/> calls to the grain keyed <paramref name="targetKey"/>.</summary>
    Task<Measurement> TimeCalls(string targetKey, int count);
}
