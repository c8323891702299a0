using Google.Protobuf.Collections;

namespace Mnemo.Runtime.Invocation;

/// <summary>The grains a request passed through, outermost first. A request whose chain already holds
/// the target grain is a call back into a grain that is waiting for this very chain, so the target
/// admits it even when busy (A→B→A does not deadlock). Immutable; chains are short.</summary>
public sealed class CallChain
{
    public static readonly CallChain Empty = new([]);

    private readonly GrainId[] _grains;

    private CallChain(GrainId[] grains) => _grains = grains;

    public int Count => _grains.Length;

    public IReadOnlyList<GrainId> Grains => _grains;

    public bool Contains(GrainId grain) => Array.IndexOf(_grains, grain) >= 0;

    public CallChain Append(GrainId grain) => new([.. _grains, grain]);

    public void CopyTo(RepeatedField<string> target)
    {
        foreach (GrainId grain in _grains)
        {
            target.Add(grain.ToString());
        }
    }

    public static CallChain From(RepeatedField<string> grains) =>
        grains.Count == 0 ? Empty : new CallChain(grains.Select(GrainId.Parse).ToArray());

    public override string ToString() => string.Join(" → ", _grains);
}
