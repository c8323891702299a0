namespace Mnemo.DataPlane;

/// <summary>The names replica states have in status messages, and their order from healthy to worst.</summary>
public static class ReplicaStateNames
{
    public const string InSync = "in_sync";
    public const string Unreachable = "unreachable";
    public const string Resyncing = "resyncing";
    public const string NeedsResync = "needs_resync";

    public static string Of(ReplicaState state) => state switch
    {
        ReplicaState.InSync => InSync,
        ReplicaState.Unreachable => Unreachable,
        ReplicaState.Resyncing => Resyncing,
        ReplicaState.NeedsResync => NeedsResync,
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    /// <summary>Higher is worse: a replica that missed writes can still serve the keys it holds, one being copied serves none.</summary>
    public static int Severity(string name) => name switch
    {
        InSync => 0,
        Unreachable => 1,
        Resyncing => 2,
        _ => 3,
    };
}
