namespace Mnemo.Grains;

/// <summary>
/// One snapshot's or restore's pause of the application around its fence, as its <see cref="SnapshotProfile"/>
/// says (<see cref="SnapshotHooks.For"/> makes it). A failed pause fails the run with its reason.
/// </summary>
public interface IApplicationPause
{
    /// <summary>For profiles that run nothing (<c>none</c>, <c>hazelcast --nopause</c>).</summary>
    static IApplicationPause Nothing { get; } = new NoPause();

    /// <summary>Before the fence; throws with the reason when the application could not be paused.</summary>
    Task PauseAsync();

    /// <summary>After the outcome is recorded, whatever it is, also after <see cref="PauseAsync"/> failed part-way;
    /// resumes only what this pause may have paused. Throws with the reason when that fails.</summary>
    Task ResumeAsync();

    private sealed class NoPause : IApplicationPause
    {
        public Task PauseAsync() => Task.CompletedTask;

        public Task ResumeAsync() => Task.CompletedTask;
    }
}
