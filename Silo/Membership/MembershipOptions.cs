namespace Mnemo.Silo.Membership;

public sealed class MembershipOptions
{
    /// <summary>Endpoints (host:port) of the other silos, for the static provider.</summary>
    public List<string> Peers { get; set; } = [];

    /// <summary>How often every peer is probed.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A probe without an answer in this time counts as failed. Generous, because a false
    /// suspicion is expensive: a silo declared dead must restart to rejoin.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Consecutive failed probes after which a peer is declared dead.</summary>
    public int FailuresToDeclareDead { get; set; } = 3;
}
