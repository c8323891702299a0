using System.Globalization;
using System.Net;
using Orleans;
using Orleans.Runtime;

namespace Mnemo.Kubernetes;

/// <summary>Converts between Orleans' <see cref="MembershipEntry"/> and the Silo resource spec, losslessly.</summary>
internal static class MembershipEntryMapper
{
    public static SiloSpec ToSpec(MembershipEntry entry, string clusterId, string epoch, long commit)
    {
        var ep = entry.SiloAddress.Endpoint;
        return new SiloSpec
        {
            ClusterId = clusterId,
            TableEpoch = epoch,
            Commit = commit,
            Address = ep.Address.ToString(),
            Port = ep.Port,
            Generation = entry.SiloAddress.Generation,
            Endpoint = ResourceNames.Endpoint(ep),
            SiloName = entry.SiloName,
            HostName = entry.HostName,
            Status = entry.Status.ToString(),
            ProxyPort = entry.ProxyPort,
            RoleName = entry.RoleName,
            UpdateZone = entry.UpdateZone,
            FaultZone = entry.FaultZone,
            StartTime = FormatTime(entry.StartTime),
            IAmAliveTime = FormatTime(entry.IAmAliveTime),
            SuspectTimes = entry.SuspectTimes?
                .Select(v => new SuspectTime { Silo = v.Item1.ToParsableString(), Time = FormatTime(v.Item2) })
                .ToList(),
        };
    }

    public static MembershipEntry ToEntry(SiloSpec spec) => new()
    {
        SiloAddress = ToSiloAddress(spec),
        Status = Enum.TryParse<SiloStatus>(spec.Status, ignoreCase: false, out var status) ? status : SiloStatus.None,
        SiloName = spec.SiloName!,
        HostName = spec.HostName!,
        ProxyPort = spec.ProxyPort,
        RoleName = spec.RoleName,
        UpdateZone = spec.UpdateZone,
        FaultZone = spec.FaultZone,
        StartTime = ParseTime(spec.StartTime),
        IAmAliveTime = ParseTime(spec.IAmAliveTime),
        SuspectTimes = spec.SuspectTimes?
            .Select(v => Tuple.Create(SiloAddress.FromParsableString(v.Silo), ParseTime(v.Time)))
            .ToList(),
    };

    public static SiloAddress ToSiloAddress(SiloSpec spec) =>
        SiloAddress.New(IPAddress.Parse(spec.Address), spec.Port, spec.Generation);

    /// <summary>The latest of start, heartbeat and suspicion times: what defunct-entry cleanup compares.</summary>
    public static DateTime LastUpdateTime(MembershipEntry entry)
    {
        var result = Utc(entry.StartTime) > Utc(entry.IAmAliveTime) ? Utc(entry.StartTime) : Utc(entry.IAmAliveTime);
        foreach (var vote in entry.SuspectTimes ?? [])
        {
            if (Utc(vote.Item2) > result) result = Utc(vote.Item2);
        }

        return result;
    }

    /// <summary>Round-trip ("O") UTC text; Orleans times are UTC, an unspecified kind is taken as UTC.</summary>
    public static string FormatTime(DateTime time) => Utc(time).ToString("O", CultureInfo.InvariantCulture);

    public static DateTime ParseTime(string? text) => string.IsNullOrEmpty(text)
        ? default
        : DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    private static DateTime Utc(DateTime time) => time.Kind switch
    {
        DateTimeKind.Utc => time,
        DateTimeKind.Local => time.ToUniversalTime(),
        _ => DateTime.SpecifyKind(time, DateTimeKind.Utc),
    };
}
