using Mnemo.Client;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary><c>mnemo list</c>: the members as a gateway sees them.</summary>
internal static class ListCommand
{
    public static async Task<int> RunAsync(ClusterClient client, OutputFormat format, CancellationToken cancellationToken)
    {
        var members = await client.GetMembersAsync(cancellationToken);
        if (format == OutputFormat.Json)
        {
            Json.Write(members);
            return 0;
        }

        var table = new Table().AddColumns("NODE", "ADDRESS", "STATUS", "GENERATION", "GRAINS", "SINCE");
        foreach (var m in members)
        {
            table.AddRow(
                Markup.Escape(m.NodeName), m.Endpoint, m.Status, m.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture),
                m.ActivationCount.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Since.ToString("u", System.Globalization.CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        return 0;
    }
}
