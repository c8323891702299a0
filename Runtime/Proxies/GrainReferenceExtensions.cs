namespace Mnemo.Runtime.Proxies;

public static class GrainReferenceExtensions
{
    /// <summary>A copy of this grain reference whose calls have <paramref name="deadline"/> instead of
    /// the default (30 s). When it passes the caller gets <see cref="TimeoutException"/>.</summary>
    public static TGrainInterface WithDeadline<TGrainInterface>(this TGrainInterface grain, TimeSpan deadline)
        where TGrainInterface : IGrain =>
        grain is GrainProxy proxy
            ? proxy.WithDeadline<TGrainInterface>(deadline)
            : throw new ArgumentException($"{grain} is not a grain reference from a grain factory", nameof(grain));

    /// <summary>The id of the grain a reference (or a grain object) stands for.</summary>
    public static GrainId GetGrainId(this IGrain grain) => grain switch
    {
        GrainProxy proxy => proxy.GrainId,
        Grain activation => activation.GrainId,
        _ => throw new ArgumentException($"{grain} is neither a grain reference nor a grain", nameof(grain)),
    };
}
