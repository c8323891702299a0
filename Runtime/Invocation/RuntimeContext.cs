namespace Mnemo.Runtime.Invocation;

/// <summary>The call chain of the grain request the current code runs in. The silo sets it when a
/// request starts executing; it flows through awaits (AsyncLocal), so calls the grain makes carry
/// it. Code outside any grain request sees null.</summary>
public static class RuntimeContext
{
    private static readonly AsyncLocal<CallChain?> Current = new();

    public static CallChain? CallChain
    {
        get => Current.Value;
        set => Current.Value = value;
    }
}
