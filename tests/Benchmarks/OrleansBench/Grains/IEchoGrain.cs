namespace Mnemo.OrleansBench;

/// <summary>The called grain of the latency paths: an argument in, a result out, no work.</summary>
public interface IEchoGrain : IPinnedGrain
{
    Task<int> Ping(int value);
}
