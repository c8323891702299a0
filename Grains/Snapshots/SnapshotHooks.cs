namespace Mnemo.Grains;

/// <summary>Makes each run's <see cref="IApplicationPause"/> from its profile, over one shared HTTP client.</summary>
public sealed class SnapshotHooks : IDisposable
{
    public const string Create = "snapshot";
    public const string Restore = "restore";

    private readonly HttpClient _http = new();

    /// <summary>The pause of a run: <paramref name="operation"/> is <see cref="Create"/> or <see cref="Restore"/>,
    /// <paramref name="snapshot"/> and <paramref name="memshack"/> are <c>namespace/name</c>. <paramref name="paused"/>: the
    /// application is taken as paused already, by a run whose coordinator died; only its resume is left to do.</summary>
    public IApplicationPause For(SnapshotProfile profile, string operation, string snapshot, string memshack, bool paused = false) => profile switch
    {
        { Name: SnapshotProfile.Generic } => new GenericHooksPause(_http, profile, operation, snapshot, memshack, paused),
        { Hazelcast: { } members } => new HazelcastClusterState(_http, members, profile.Timeout, paused),
        _ => IApplicationPause.Nothing,
    };

    public void Dispose() => _http.Dispose();
}
