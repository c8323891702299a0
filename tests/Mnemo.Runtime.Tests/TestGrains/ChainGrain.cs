using Mnemo.Runtime.Proxies;

namespace Mnemo.Runtime.Tests.TestGrains;

public interface IChainGrain : IGrainWithStringKey
{
    /// <summary>Calls <paramref name="otherKey"/>, which calls this grain back on the same call chain.</summary>
    Task<string> Ping(string otherKey);

    Task<string> PingBack(string callerKey);

    /// <summary>Calls <paramref name="otherKey"/>, which calls this grain back on a fresh call chain.</summary>
    Task<string> PingDetached(string otherKey);

    Task<string> PingBackDetached(string callerKey);

    Task<string> Leaf();
}

public sealed class ChainGrain : Grain, IChainGrain
{
    public Task<string> Ping(string otherKey) => GrainFactory.GetGrain<IChainGrain>(otherKey).PingBack(GetPrimaryKeyString());

    public async Task<string> PingBack(string callerKey) =>
        await GrainFactory.GetGrain<IChainGrain>(callerKey).Leaf() + " <- " + GetPrimaryKeyString();

    public Task<string> PingDetached(string otherKey) => GrainFactory.GetGrain<IChainGrain>(otherKey).PingBackDetached(GetPrimaryKeyString());

    public async Task<string> PingBackDetached(string callerKey)
    {
        IChainGrain caller = GrainFactory.GetGrain<IChainGrain>(callerKey).WithDeadline(TimeSpan.FromSeconds(1));
        Task<string> call;
        // Without the execution context the call starts a new chain, as a timer or a background loop would.
        using (ExecutionContext.SuppressFlow())
        {
            call = Task.Run(() => caller.Leaf());
        }

        return await call;
    }

    public Task<string> Leaf() => Task.FromResult("leaf:" + GetPrimaryKeyString());
}
