using System.Globalization;
using Mnemo.Client;
using Mnemo.Grains.Interfaces;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary><c>mnemo usage</c>: each active node's pool, read from its NodeMemoryGrain. A node that
/// does not answer is a row with status <c>error</c>; the reasons follow the table.</summary>
internal static class UsageCommand
{
    private sealed record NodeRow(string Node, NodeUsage? Usage, string? Error);

    public static async Task<int> RunAsync(MnemoClient client, OutputFormat format, CancellationToken cancellationToken)
    {
        IReadOnlyList<MemberInfo> members = await client.GetMembersAsync();
        NodeRow[] rows = await Task.WhenAll(members.Where(m => m.Status == "Active").Select(m => m.Node).Distinct().Select(async node =>
        {
            try
            {
                return new NodeRow(node, await client.GetNodeUsageAsync(node), null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return new NodeRow(node, null, e.Message);
            }
        }));

        if (format == OutputFormat.Json)
            WriteJson(rows);
        else
            WriteTables(rows);
        return rows.Any(r => r.Error is not null) ? 1 : 0;
    }

    private static void WriteJson(NodeRow[] rows) => Json.Write(rows.Select(r => new
    {
        node = r.Node,
        status = r.Error is null ? "ok" : "error",
        error = r.Error,
        mode = r.Usage?.DeviceMode,
        capacityBytes = r.Usage?.CapacityBytes,
        dataCapacityBytes = r.Usage?.DataCapacityBytes,
        usedBytes = r.Usage?.UsedBytes,
        items = r.Usage?.Items,
        snapshotRetainedBytes = r.Usage?.SnapshotRetainedBytes,
        regions = r.Usage?.Regions.Select(g => new
        {
            node = r.Node, region = g.Name, items = g.Items, itemBytes = g.ItemBytes, usedBytes = g.UsedBytes,
            snapshots = g.Snapshots, snapshotRetainedBytes = g.SnapshotRetainedBytes,
        }),
    }));

    private static void WriteTables(NodeRow[] rows)
    {
        var nodes = new Table().AddColumns("NODE", "STATUS", "MODE", "CAPACITY", "USED", "USE%", "ITEMS", "REGIONS");
        foreach (NodeRow row in rows)
        {
            if (row.Usage is not { } u)
            {
                nodes.AddRow(Markup.Escape(row.Node), "error", "", "", "", "", "", "");
                continue;
            }
            double percent = u.DataCapacityBytes == 0 ? 0 : 100.0 * u.UsedBytes / u.DataCapacityBytes;
            nodes.AddRow(Markup.Escape(row.Node), "ok", u.DeviceMode, Bytes(u.CapacityBytes), Bytes(u.UsedBytes),
                percent.ToString("0.0", CultureInfo.InvariantCulture), u.Items.ToString(CultureInfo.InvariantCulture),
                u.Regions.Length.ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(nodes);
        foreach (NodeRow failed in rows.Where(r => r.Error is not null))
            AnsiConsole.WriteLine($"{failed.Node}: {failed.Error}");

        var regions = rows.Where(r => r.Usage is not null).SelectMany(r => r.Usage!.Regions.Select(g => (r.Node, g))).ToList();
        if (regions.Count == 0)
            return;
        var table = new Table().AddColumns("NODE", "REGION", "ITEMS", "ITEM BYTES", "USED", "SNAPSHOTS");
        foreach (var (node, g) in regions)
        {
            table.AddRow(Markup.Escape(node), Markup.Escape(g.Name), g.Items.ToString(CultureInfo.InvariantCulture), Bytes(g.ItemBytes),
                Bytes(g.UsedBytes), g.Snapshots.ToString(CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
    }

    private static string Bytes(ulong bytes) => bytes switch
    {
        >= 1UL << 30 => $"{bytes / (double)(1UL << 30):0.0} GiB",
        >= 1UL << 20 => $"{bytes / (double)(1UL << 20):0.0} MiB",
        >= 1UL << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
