namespace Mnemo.Grains.Tests;

/// <summary>Which activation answered: its silo, its own id and how many calls it has served.</summary>
[GenerateSerializer, Immutable, Alias("mnemo.tests.WhereAnswer")]
public sealed record WhereAnswer(string Silo, Guid Activation, int Calls);

/// <summary>A plain grain with Orleans' default placement, to watch where activations go.</summary>
[Alias("mnemo.tests.Where")]
public interface IWhereGrain : IGrainWithIntegerKey
{
    [Alias("Ask")]
    Task<WhereAnswer> AskAsync();
}

public sealed class WhereGrain(ILocalSiloDetails silo) : Grain, IWhereGrain
{
    private readonly Guid _activation = Guid.NewGuid();
    private int _calls;

    public Task<WhereAnswer> AskAsync() => Task.FromResult(new WhereAnswer(silo.Name, _activation, ++_calls));
}
