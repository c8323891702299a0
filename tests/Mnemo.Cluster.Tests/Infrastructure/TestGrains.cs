using Mnemo.Runtime;
using Mnemo.Runtime.Membership;

namespace Mnemo.Cluster.Tests.Infrastructure;

/// <summary>A hash-placed grain that tells where it runs; the silos load it from this assembly
/// (<c>--grain-assemblies</c>).</summary>
[GrainType("test-where")]
public interface IWhereGrain : IGrainWithStringKey
{
    /// <summary>"node/generation" of the hosting silo.</summary>
    Task<string> GetSiloAsync();

    /// <summary>A counter kept by the activation: restarts at 1 on a new activation.</summary>
    Task<int> IncrementAsync();

    Task FailAsync(string message);
}

public sealed class WhereGrain(IMembershipView membership) : Grain, IWhereGrain
{
    private int _count;

    public Task<string> GetSiloAsync() => Task.FromResult($"{membership.Self!.NodeName}/{membership.Self.Generation}");

    public Task<int> IncrementAsync() => Task.FromResult(++_count);

    public Task FailAsync(string message) => throw new InvalidOperationException(message);
}

/// <summary>A grain interface no silo implements.</summary>
[GrainType("test-unregistered")]
public interface IUnregisteredGrain : IGrainWithStringKey
{
    Task<int> GetAsync();
}
