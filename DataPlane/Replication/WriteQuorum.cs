namespace Mnemo.DataPlane;

/// <summary>How many replicas of a shard must acknowledge a write before the client hears success.</summary>
public enum WriteQuorum
{
    /// <summary>Every replica (mcrouter's AllSyncRoute).</summary>
    All,
    /// <summary>More than half of the replicas; the others get a repair hint.</summary>
    Majority,
    /// <summary>Any single replica.</summary>
    One,
}

public static class WriteQuorumExtensions
{
    public static int RequiredAcks(this WriteQuorum quorum, int replicas) => quorum switch
    {
        WriteQuorum.All => replicas,
        WriteQuorum.Majority => replicas / 2 + 1,
        WriteQuorum.One => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(quorum), quorum, null),
    };

    public static string ToManifestValue(this WriteQuorum quorum) => quorum switch
    {
        WriteQuorum.All => "all",
        WriteQuorum.Majority => "majority",
        WriteQuorum.One => "one",
        _ => throw new ArgumentOutOfRangeException(nameof(quorum), quorum, null),
    };
}
