using System.Net;
using Orleans;
using Orleans.Runtime;

namespace Mnemo.Kubernetes.Tests;

public sealed class MembershipEntryMapperTests
{
    [Fact]
    public void Every_field_survives_the_round_trip()
    {
        var entry = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Parse("fe80::1"), 11111, 7),
            Status = SiloStatus.ShuttingDown,
            ProxyPort = 30000,
            HostName = "host",
            SiloName = "node-3",
            RoleName = "role",
            UpdateZone = 4,
            FaultZone = 5,
            StartTime = new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc).AddTicks(1234567),
            IAmAliveTime = DateTime.UtcNow,
            SuspectTimes = [Tuple.Create(SiloAddress.New(IPAddress.Loopback, 11112, 8), DateTime.UtcNow)],
        };

        var spec = MembershipEntryMapper.ToSpec(entry, "c", "epoch", 9);
        var back = MembershipEntryMapper.ToEntry(spec);

        Assert.Equal(entry.ToFullString(), back.ToFullString());
        Assert.Equal(entry.SiloAddress, back.SiloAddress);
        Assert.Equal(entry.StartTime, back.StartTime);
        Assert.Equal(DateTimeKind.Utc, back.StartTime.Kind);
        Assert.Equal(entry.SuspectTimes[0].Item2, back.SuspectTimes![0].Item2);
        Assert.Equal("[fe80::1]:11111", spec.Endpoint);
        Assert.Equal(nameof(SiloStatus.ShuttingDown), spec.Status);
        Assert.Equal(9, spec.Commit);
    }

    [Fact]
    public void No_votes_and_an_empty_vote_list_stay_distinct()
    {
        var none = new MembershipEntry { SiloAddress = SiloAddress.New(IPAddress.Loopback, 1, 1), SuspectTimes = null };
        var empty = new MembershipEntry { SiloAddress = SiloAddress.New(IPAddress.Loopback, 1, 1), SuspectTimes = [] };

        Assert.Null(MembershipEntryMapper.ToEntry(MembershipEntryMapper.ToSpec(none, "c", "e", 1)).SuspectTimes);
        Assert.Empty(MembershipEntryMapper.ToEntry(MembershipEntryMapper.ToSpec(empty, "c", "e", 1)).SuspectTimes!);
    }

    [Fact]
    public void Last_update_is_the_latest_of_start_heartbeat_and_votes()
    {
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var entry = new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, 1, 1),
            StartTime = start,
            IAmAliveTime = start.AddHours(1),
        };
        Assert.Equal(start.AddHours(1), MembershipEntryMapper.LastUpdateTime(entry));

        entry.SuspectTimes = [Tuple.Create(SiloAddress.New(IPAddress.Loopback, 2, 2), start.AddHours(2))];
        Assert.Equal(start.AddHours(2), MembershipEntryMapper.LastUpdateTime(entry));
    }
}
