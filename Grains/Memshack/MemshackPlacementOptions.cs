namespace Mnemo.Grains;

/// <summary>How the move coordinator places Memshacks over the known nodes (the silo sets it from its settings).</summary>
public sealed class MemshackPlacementOptions
{
    /// <summary>How long a joining node that is not Active is waited for before Memshacks are placed without it (<see cref="JoiningNodes"/>).</summary>
    public TimeSpan JoinGrace { get; set; } = JoiningNodes.DefaultGrace;
}
