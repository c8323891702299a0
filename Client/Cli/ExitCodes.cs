namespace Mnemo.Cli;

/// <summary>The CLI's exit codes, listed in <c>mnemo --help</c> and the CLI's README.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The cluster could not be reached, a call failed, or the arguments were wrong.</summary>
    public const int Failed = 1;

    /// <summary>The key (<c>cache get</c>, <c>cache delete</c>) or the Memshack does not exist.</summary>
    public const int NotFound = 2;

    /// <summary><c>verify</c>: replicas of a shard differ.</summary>
    public const int Differ = 3;

    /// <summary>A node (<c>usage</c>) or a replica (<c>verify</c>) did not answer; what did answer is shown.</summary>
    public const int Unreachable = 4;

    public const string Help = "exit codes: 0 ok, 1 failed (unreachable cluster, refused call, bad arguments), 2 key or Memshack not found, "
        + "3 replicas differ (verify), 4 a node or replica did not answer (usage, verify)";
}
