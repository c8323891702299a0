using System.Globalization;
using Mnemo.Client;
using Mnemo.Grains.Interfaces;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary><c>mnemo usage</c>: each node's pool, read from its NodeMemoryGrain. A node whose silo does not answer,
/// or has no active incarnation, is a row with status <c>unreachable</c>; why follows the table, wrapped to its width.</summary>
internal static class UsageCommand
{
    private const string Ok = "ok";
    private const string Unreachable = "unreachable";

    private sealed record NodeRow(string Node, NodeUsage? Usage, string? Error);

    public static async Task<int> RunAsync(MnemoClient client, OutputFormat format, CancellationToken cancellationToken)
    {
        IReadOnlyList<MemberInfo> members = await client.GetMembersAsync();
        // Each node as its newest incarnation: members come newest first per node.
        NodeRow[] rows = await Task.WhenAll(members.DistinctBy(m => m.Node).Select(async member =>
        {
            string node = member.Node;
            if (member.Status != "Active")
                return new NodeRow(node, null, $"no active silo: its newest incarnation (generation {member.Generation}) is {member.Status}");
            try
            {
                return new NodeRow(node, await client.GetNodeUsageAsync(node), null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return new NodeRow(node, null, e.Message);
            }
        }));

        // Field names are the table headers in camelCase (USE% reads usePercent); sizes in bytes.
        if (!Output.TryWriteStructured(format, rows.Select(r => new
        {
            node = r.Node,
            status = r.Error is null ? Ok : Unreachable,
            mode = r.Usage?.DeviceMode,
            capacity = r.Usage?.CapacityBytes,
            used = r.Usage?.UsedBytes,
            usePercent = r.Usage is { } u ? Math.Round(Percent(u), 1) : (double?)null,
            items = r.Usage?.Items,
            regions = r.Usage?.Regions.Select(g => new
            {
                node = r.Node, region = g.Name, items = g.Items, itemBytes = g.ItemBytes, used = g.UsedBytes,
                snapshots = g.Snapshots, snapshotRetainedBytes = g.SnapshotRetainedBytes,
            }),
            dataCapacity = r.Usage?.DataCapacityBytes,
            snapshotRetained = r.Usage?.SnapshotRetainedBytes,
            error = r.Error,
        })))
            WriteTables(rows);
        return rows.Any(r => r.Error is not null) ? ExitCodes.Unreachable : ExitCodes.Ok;
    }

    private static double Percent(NodeUsage u) => u.DataCapacityBytes == 0 ? 0 : 100.0 * u.UsedBytes / u.DataCapacityBytes;

    private static void WriteTables(NodeRow[] rows)
    {
        var nodes = new Table().AddColumns("NODE", "STATUS", "MODE", "CAPACITY", "USED", "USE%", "ITEMS", "REGIONS");
        foreach (NodeRow row in rows)
        {
            if (row.Usage is not { } u)
            {
                nodes.AddRow(Markup.Escape(row.Node), Unreachable, "", "", "", "", "", "");
                continue;
            }
            nodes.AddRow(Markup.Escape(row.Node), Ok, Markup.Escape(u.DeviceMode), Bytes(u.CapacityBytes), Bytes(u.UsedBytes),
                Percent(u).ToString("0.0", CultureInfo.InvariantCulture), u.Items.ToString(CultureInfo.InvariantCulture),
                u.Regions.Length.ToString(CultureInfo.InvariantCulture));
        }
        int width = Tables.Write(nodes);
        foreach (NodeRow failed in rows.Where(r => r.Error is not null))
            Tables.WriteWrapped($"{failed.Node}: {failed.Error}", width);

        var regions = rows.Where(r => r.Usage is not null).SelectMany(r => r.Usage!.Regions.Select(g => (r.Node, g))).ToList();
        if (regions.Count == 0)
            return;
        var table = new Table().AddColumns("NODE", "REGION", "ITEMS", "ITEM BYTES", "USED", "SNAPSHOTS");
        foreach (var (node, g) in regions)
        {
            table.AddRow(Markup.Escape(node), Markup.Escape(g.Name), g.Items.ToString(CultureInfo.InvariantCulture), Bytes(g.ItemBytes),
                Bytes(g.UsedBytes), g.Snapshots.ToString(CultureInfo.InvariantCulture));
        }
        Tables.Write(table);
    }

    private static string Bytes(ulong bytes) => bytes switch
    {
        >= 1UL << 30 => $"{bytes / (double)(1UL << 30):0.0} GiB",
        >= 1UL << 20 => $"{bytes / (double)(1UL << 20):0.0} MiB",
        >= 1UL << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };
}
