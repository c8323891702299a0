using Mnemo.Tests.Shared;

namespace Mnemo.Grains.Tests;

/// <summary>
/// The hazelcast profile against a Hazelcast member's REST API on loopback: PASSIVE before the fence, ACTIVE
/// after, nothing with --nopause, and a clear reason for a refused cluster name, disabled endpoint groups and
/// members that do not answer.
/// </summary>
public sealed class HazelcastClusterStateTests : IDisposable
{
    private readonly HazelcastMemberServer _member = new();
    private readonly SnapshotHooks _hooks = new();

    [Fact]
    public async Task Pause_sets_the_cluster_passive_and_resume_sets_it_active_again()
    {
        IApplicationPause pause = For($"--address {_member.Address} --cluster-name dev");

        await pause.PauseAsync();
        Assert.Equal("PASSIVE", _member.State);
        await pause.ResumeAsync();

        Assert.Equal("ACTIVE", _member.State);
        Assert.Equal(["GET /hazelcast/health", "changeState PASSIVE", "changeState ACTIVE"], _member.Calls);
    }

    [Fact]
    public async Task Nopause_makes_no_call()
    {
        IApplicationPause pause = For($"--nopause --address {_member.Address}");

        await pause.PauseAsync();
        await pause.ResumeAsync();

        Assert.Same(IApplicationPause.Nothing, pause);
        Assert.Empty(_member.Calls);
    }

    [Fact]
    public async Task A_change_to_passive_made_but_not_answered_in_time_fails_the_pause_and_resume_sets_active_again()
    {
        _member.ChangeStateAnswerDelay = TimeSpan.FromSeconds(3);
        IApplicationPause pause = For($"--address {_member.Address} --timeout 1");

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(pause.PauseAsync);
        Assert.Contains("the Hazelcast cluster was not set PASSIVE", failed.Message);
        Assert.Contains("did not answer within 1 s", failed.Message);
        Assert.Equal("PASSIVE", _member.State);
        _member.ChangeStateAnswerDelay = TimeSpan.Zero;
        await pause.ResumeAsync();

        Assert.Equal("ACTIVE", _member.State);
    }

    [Fact]
    public async Task The_resume_left_by_a_run_whose_coordinator_died_sets_the_cluster_active()
    {
        _member.State = "PASSIVE";
        SnapshotProfile profile = SnapshotProfile.Parse(SnapshotProfile.HazelcastName, $"--address {_member.Address}");

        await _hooks.For(profile, SnapshotHooks.Create, "default/snap", "default/cache", paused: true).ResumeAsync();

        Assert.Equal("ACTIVE", _member.State);
        Assert.Equal(["ACTIVE"], _member.Changes);
    }

    [Fact]
    public async Task Another_cluster_name_is_refused_with_the_reason_and_the_state_is_left_alone()
    {
        IApplicationPause pause = For($"--address {_member.Address} --cluster-name prod --password secret");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(pause.PauseAsync);
        await pause.ResumeAsync();

        Assert.Contains("refused cluster name 'prod'", refused.Message);
        Assert.Contains("403 unauthenticated", refused.Message);
        Assert.Equal("ACTIVE", _member.State);
        Assert.Empty(_member.Changes);
    }

    [Fact]
    public async Task A_disabled_cluster_write_group_is_named_in_the_reason()
    {
        _member.ClusterWriteEnabled = false;
        IApplicationPause pause = For($"--address {_member.Address}");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(pause.PauseAsync);
        await pause.ResumeAsync();

        Assert.Contains("answered /hazelcast/rest/management/cluster/changeState with 403", refused.Message);
        Assert.Contains("endpoint groups HEALTH_CHECK and CLUSTER_WRITE (CLUSTER_WRITE is needed here)", refused.Message);
        Assert.Equal("ACTIVE", _member.State);
    }

    [Fact]
    public async Task A_disabled_health_check_group_is_named_in_the_reason()
    {
        _member.HealthCheckEnabled = false;
        IApplicationPause pause = For($"--address {_member.Address}");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(pause.PauseAsync);

        Assert.Contains("answered /hazelcast/health with 403", refused.Message);
        Assert.Contains("(HEALTH_CHECK is needed here)", refused.Message);
        Assert.Empty(_member.Changes);
    }

    [Fact]
    public async Task An_address_without_the_rest_api_answers_404_and_the_reason_says_so()
    {
        _member.NotHazelcast = true;
        IApplicationPause pause = For($"--address {_member.Address}");

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(pause.PauseAsync);

        Assert.Contains("answered /hazelcast/health with 404", refused.Message);
        Assert.Contains("enable its REST API", refused.Message);
    }

    [Fact]
    public async Task A_cluster_not_active_before_is_left_as_it_is()
    {
        _member.State = "FROZEN";
        IApplicationPause pause = For($"--address {_member.Address}");

        await pause.PauseAsync();
        await pause.ResumeAsync();

        Assert.Equal("FROZEN", _member.State);
        Assert.Empty(_member.Changes);
    }

    [Fact]
    public async Task A_member_that_does_not_answer_is_passed_over_for_the_next()
    {
        int closedPort = LoopbackPorts.FreeRange(1);
        IApplicationPause pause = For($"--address 127.0.0.1:{closedPort},{_member.Address} --timeout 2");

        await pause.PauseAsync();
        await pause.ResumeAsync();

        Assert.Equal(["PASSIVE", "ACTIVE"], _member.Changes);
    }

    [Fact]
    public async Task No_member_answering_fails_the_pause_naming_each()
    {
        int closedPort = LoopbackPorts.FreeRange(1);
        IApplicationPause pause = For($"--address 127.0.0.1:{closedPort} --timeout 2");

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(pause.PauseAsync);

        Assert.Contains("no Hazelcast member answered", failed.Message);
        Assert.Contains($"127.0.0.1:{closedPort}", failed.Message);
    }

    private IApplicationPause For(string options) =>
        _hooks.For(SnapshotProfile.Parse(SnapshotProfile.HazelcastName, options), SnapshotHooks.Create, "default/snap", "default/cache");

    public void Dispose()
    {
        _hooks.Dispose();
        _member.Dispose();
    }
}
