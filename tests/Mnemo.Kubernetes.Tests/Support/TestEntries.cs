using System.Net;
using Orleans;
using Orleans.Runtime;

namespace Mnemo.Kubernetes.Tests;

/// <summary>Membership entries shaped like the ones Orleans' own table tests use.</summary>
internal static class TestEntries
{
    private static int s_generation;

    public static SiloAddress NewSiloAddress(int port = 12345) =>
        SiloAddress.New(IPAddress.Loopback, port, Interlocked.Increment(ref s_generation));

    public static MembershipEntry Create(SiloStatus status = SiloStatus.Joining)
    {
        var silo = NewSiloAddress();
        return new MembershipEntry
        {
            SiloAddress = silo,
            HostName = "test-host",
            SiloName = "TestSiloName",
            Status = status,
            ProxyPort = silo.Endpoint.Port,
            StartTime = NowSeconds(),
            IAmAliveTime = NowSeconds(),
        };
    }

    /// <summary>UTC now truncated to whole seconds, as the Orleans tests use.</summary>
    public static DateTime NowSeconds()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, DateTimeKind.Utc);
    }
}
