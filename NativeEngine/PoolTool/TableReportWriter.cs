using System.Globalization;
using Mnemo.Sizes;
using Spectre.Console;

namespace Mnemo.PoolTool;

/// <summary>Writes a <see cref="PoolReport"/> as tables for people: a pool summary, then regions, then slab classes.</summary>
internal static class TableReportWriter
{
    public static void Write(PoolReport report, TextWriter output)
    {
        // Colours only on a real terminal; redirected output (files, logs, `make run`) stays plain text
        // and is not wrapped at the 80-column default.
        bool terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal)
        {
            console.Profile.Width = 160;
        }

        console.Write(Summary(report));
        console.WriteLine();
        console.Write(Regions(report));
        console.WriteLine();
        console.Write(SlabClasses(report));
    }

    private static Table Summary(PoolReport report)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("[bold]Mnemo pool[/]") }
            .AddColumn("Property")
            .AddColumn(new TableColumn("Value"));

        void Row(string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));

        Row("path", report.Path);
        Row("mode", report.Mode);
        Row("capacity", $"{ByteSize.Format(report.Capacity)} ({report.Capacity} bytes)");
        Row("data capacity", ByteSize.Format(report.DataCapacity));
        Row("used", $"{ByteSize.Format(report.BytesUsed)} ({Percent(report.BytesUsed, report.DataCapacity)} of data capacity)");
        Row("items", Count(report.Items));
        Row("item bytes", ByteSize.Format(report.ItemBytes));
        Row("index (DRAM)", ByteSize.Format(report.IndexBytes));
        Row("item size max", ByteSize.Format(report.ItemSizeMax));
        Row("regions", Count((ulong)report.Regions.Count));
        Row("snapshots", $"{Count(report.Snapshots)} (retaining {ByteSize.Format(report.SnapshotRetainedBytes)})");
        Row("hits / misses", $"{Count(report.Hits)} / {Count(report.Misses)}");
        Row("evictions", Count(report.Evictions));
        Row("recovery", string.Create(CultureInfo.InvariantCulture, $"{report.RecoveryMilliseconds:0.###} ms"));
        return table;
    }

    private static Table Regions(PoolReport report)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("[bold]Regions[/]") }
            .AddColumn("Id", c => c.RightAligned())
            .AddColumn("Name")
            .AddColumn("Items", c => c.RightAligned())
            .AddColumn("Item bytes", c => c.RightAligned())
            .AddColumn("Used", c => c.RightAligned())
            .AddColumn("Snapshots", c => c.RightAligned())
            .AddColumn("Retained", c => c.RightAligned())
            .AddColumn("Epoch", c => c.RightAligned());

        foreach (RegionReport region in report.Regions)
        {
            table.AddRow(
                region.Id.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(region.Name),
                Count(region.Items),
                ByteSize.Format(region.ItemBytes),
                ByteSize.Format(region.BytesUsed),
                Count(region.Snapshots),
                ByteSize.Format(region.SnapshotRetainedBytes),
                region.Epoch.ToString(CultureInfo.InvariantCulture));
        }
        if (report.Regions.Count == 0)
        {
            table.Caption = new TableTitle("no regions yet");
        }
        return table;
    }

    private static Table SlabClasses(PoolReport report)
    {
        var table = new Table { Border = TableBorder.Rounded, Title = new TableTitle("[bold]Slab classes[/]") }
            .AddColumn("Class", c => c.RightAligned())
            .AddColumn("Chunk size", c => c.RightAligned())
            .AddColumn("Pages", c => c.RightAligned())
            .AddColumn("Chunks used", c => c.RightAligned())
            .AddColumn("Chunks total", c => c.RightAligned())
            .AddColumn("Fill", c => c.RightAligned())
            .AddColumn("Evictions", c => c.RightAligned());

        foreach (SlabReport slab in report.SlabClasses)
        {
            table.AddRow(
                slab.ClassId.ToString(CultureInfo.InvariantCulture),
                ByteSize.Format((ulong)slab.ChunkSize),
                Count(slab.Pages),
                Count(slab.ChunksUsed),
                Count(slab.ChunksTotal),
                Percent(slab.ChunksUsed, slab.ChunksTotal),
                Count(slab.Evictions));
        }
        if (report.SlabClasses.Count == 0)
        {
            table.Caption = new TableTitle("no slab classes in use");
        }
        return table;
    }

    private static string Count(ulong value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Percent(ulong part, ulong whole) =>
        whole == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{100.0 * part / whole:0.#}%");
}
