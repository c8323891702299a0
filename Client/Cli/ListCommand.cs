using System.Globalization;
using Mnemo.Client;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary><c>mnemo list</c>: the silos the membership table records, newest incarnation first.</summary>
internal static class ListCommand
{
    public static async Task<int> RunAsync(MnemoClient client, OutputFormat format, CancellationToken cancellationToken)
    {
        IReadOnlyList<MemberInfo> members = await client.GetMembersAsync();
        if (Output.TryWriteStructured(format, members))
            return ExitCodes.Ok;

        var table = new Table().AddColumns("NODE", "ADDRESS", "STATUS", "GENERATION", "SINCE", "LAST ALIVE");
        foreach (MemberInfo m in members)
        {
            table.AddRow(Markup.Escape(m.Node), m.Address, m.Status, m.Generation.ToString(CultureInfo.InvariantCulture),
                m.Since.ToString("u", CultureInfo.InvariantCulture), m.LastAlive.ToString("u", CultureInfo.InvariantCulture));
        }
        Tables.Write(table);
        return ExitCodes.Ok;
    }
}
