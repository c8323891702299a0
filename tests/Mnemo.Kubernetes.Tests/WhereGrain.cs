using Orleans;
using Orleans.Runtime;

namespace Mnemo.Kubernetes.Tests;

/// <summary>The trivial grain of the cluster test: says which silo it runs on.</summary>
public interface IWhereGrain : IGrainWithIntegerKey
{
    Task<string> SiloName();
}

public sealed class WhereGrain(ILocalSiloDetails silo) : Grain, IWhereGrain
{
    public Task<string> SiloName() => Task.FromResult(silo.Name);
}
