namespace Mnemo.Runtime.Invocation;

/// <summary>Settings of the calling side, shared by silos and clients.</summary>
public sealed class GrainCallOptions
{
    /// <summary>Deadline of a call that sets none (see <c>WithDeadline</c>). Default 30 s.</summary>
    public TimeSpan DefaultDeadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How many times a call follows a WRONG_SILO answer before it fails. Bounds forwarding
    /// loops while silos disagree about membership.</summary>
    public int MaxForwardHops { get; set; } = 2;
}
