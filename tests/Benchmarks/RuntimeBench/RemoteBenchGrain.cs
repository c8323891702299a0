using Mnemo.Runtime;
using Mnemo.Runtime.Membership;

namespace Mnemo.RuntimeBench;

/// <summary>The grain the remote benchmark calls; the silo processes load it from this assembly.</summary>
public interface IRemoteBenchGrain : IGrainWithIntegerKey
{
    Task<int> Echo(int value);

    /// <summary>Node name of the hosting silo, to pick keys that live on a given silo.</summary>
    Task<string> NodeAsync();
}

public sealed class RemoteBenchGrain(IMembershipView membership) : Grain, IRemoteBenchGrain
{
    public Task<int> Echo(int value) => Task.FromResult(value);

    public Task<string> NodeAsync() => Task.FromResult(membership.Self!.NodeName);
}
