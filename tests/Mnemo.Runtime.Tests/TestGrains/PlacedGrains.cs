using Mnemo.Runtime.Membership;

namespace Mnemo.Runtime.Tests.TestGrains;

[NodePinnedPlacement]
public interface INodeGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}

public sealed class NodeGrain(IMembershipView membership) : Grain, INodeGrain
{
    public Task<string> WhereAmI() => Task.FromResult(membership.Self!.NodeName);
}

[LeaderPlacement]
public interface ILeaderGrain : IGrainWithStringKey
{
    Task<string> WhereAmI();
}

public sealed class LeaderGrain(IMembershipView membership) : Grain, ILeaderGrain
{
    public Task<string> WhereAmI() => Task.FromResult(membership.Self!.NodeName);
}

[GrainType("custom-name")]
public interface ICustomNamedGrain : IGrainWithStringKey
{
    Task<string> Id();
}

public sealed class CustomNamedGrain : Grain, ICustomNamedGrain
{
    public Task<string> Id() => Task.FromResult(GrainId.ToString());
}

/// <summary>Has no implementation: only used to check that unsupported signatures are refused.</summary>
public interface IUnsupportedGrain : IGrainWithStringKey
{
    Task Take(Stream data);
}

public interface IOverloadedGrain : IGrainWithStringKey
{
    Task Put(string value);

    Task Put(int value);
}
