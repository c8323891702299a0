using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;
using Mnemo.Silo.Membership;
using Xunit;

namespace Mnemo.Cluster.Tests.Membership;

public sealed class MembershipTableTests
{
    private static readonly SiloAddress Self = new("127.0.0.1", 1000, 10, "node-0");
    private static SiloAddress Peer(long generation) => new("127.0.0.1", 1001, generation, "node-1");

    [Fact]
    public void A_new_table_knows_only_itself_as_joining()
    {
        var table = new MembershipTable(Self);

        Assert.Equal(SiloStatus.Joining, Assert.Single(table.Members).Status);
        Assert.Empty(table.ActiveSilos);
        Assert.True(table.SetSelfStatus(SiloStatus.Active));
        Assert.Equal([Self], table.ActiveSilos);
    }

    [Fact]
    public void Statuses_only_move_forward()
    {
        var table = new MembershipTable(Self);
        Assert.Equal(Observation.Changed, table.Observe(Peer(5), SiloStatus.ShuttingDown, null));

        Assert.Equal(Observation.Unchanged, table.Observe(Peer(5), SiloStatus.Active, null));
        Assert.Equal(SiloStatus.ShuttingDown, table.Members.Single(m => m.Address == Peer(5)).Status);
    }

    [Fact]
    public void Consecutive_probe_failures_declare_a_peer_dead_and_it_stays_dead()
    {
        var table = new MembershipTable(Self);
        table.Observe(Peer(5), SiloStatus.Active, null);

        Assert.Null(table.RecordProbeFailure(Peer(5).Endpoint, 3));
        Assert.Null(table.RecordProbeFailure(Peer(5).Endpoint, 3));
        Assert.Equal(Peer(5), table.RecordProbeFailure(Peer(5).Endpoint, 3));

        Assert.DoesNotContain(Peer(5), table.ActiveSilos);
        Assert.True(table.IsDeclaredDead(Peer(5)));
        Assert.Equal(Observation.Rejected, table.Observe(Peer(5), SiloStatus.Active, null));
        Assert.Equal(SiloStatus.Dead, table.Members.Single(m => m.Address == Peer(5)).Status);
    }

    [Fact]
    public void A_successful_probe_resets_the_failure_count()
    {
        var table = new MembershipTable(Self);
        table.Observe(Peer(5), SiloStatus.Active, null);
        table.RecordProbeFailure(Peer(5).Endpoint, 3);
        table.RecordProbeFailure(Peer(5).Endpoint, 3);

        table.Observe(Peer(5), SiloStatus.Active, 3);

        Assert.Null(table.RecordProbeFailure(Peer(5).Endpoint, 3));
        Assert.Null(table.RecordProbeFailure(Peer(5).Endpoint, 3));
        Assert.Equal(Peer(5), table.RecordProbeFailure(Peer(5).Endpoint, 3));
        Assert.Equal(3, table.ActivationCountOf(Peer(5)));
    }

    [Fact]
    public void A_new_generation_replaces_the_old_incarnation_which_is_refused_from_then_on()
    {
        var table = new MembershipTable(Self);
        table.Observe(Peer(5), SiloStatus.Active, null);

        Assert.Equal(Observation.Changed, table.Observe(Peer(6), SiloStatus.Joining, null));

        var member = table.Members.Single(m => m.Address.Endpoint == Peer(6).Endpoint);
        Assert.Equal(Peer(6), member.Address);
        Assert.True(table.IsDeclaredDead(Peer(5)));
        Assert.False(table.IsDeclaredDead(Peer(6)));
        Assert.Equal(Observation.Rejected, table.Observe(Peer(5), SiloStatus.Active, null));
    }

    [Fact]
    public void Failures_of_endpoints_never_seen_declare_nothing()
    {
        var table = new MembershipTable(Self);

        for (var i = 0; i < 5; i++)
            Assert.Null(table.RecordProbeFailure("127.0.0.1:4242", 3));
        Assert.Single(table.Members);
    }
}
