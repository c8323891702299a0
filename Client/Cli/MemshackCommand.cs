using System.CommandLine;
using System.Globalization;
using Mnemo.Client;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary><c>mnemo memshack list|describe &lt;name&gt;</c>: the served Memshacks and a Memshack's shard map, over the gRPC API.</summary>
internal static class MemshackCommand
{
    public static Command Create(Func<ParseResult, ConnectionArguments> connection, Option<OutputFormat> output, Option<string?> ns)
    {
        var command = new Command("memshack", "The Memshacks the cluster serves and their shard maps (gRPC API)");

        var list = new Command("list", "Every served Memshack: shards, replicas, memcached port, whether all replicas are in sync");
        list.SetAction((parse, cancel) => CommandRunner.RunAsync(connection(parse), parse.GetValue(output), ListAsync, cancel));
        command.Subcommands.Add(list);

        var name = new Argument<string>("name") { Description = "the Memshack: name (in --namespace) or namespace/name" };
        var describe = new Command("describe", "A Memshack's shard map: each shard's replica nodes, their condition and pending hints");
        describe.Arguments.Add(name);
        describe.SetAction((parse, cancel) => CommandRunner.RunAsync(connection(parse), parse.GetValue(output),
            (client, format, token) => DescribeAsync(client, format, MemshackNames.Qualify(parse.GetValue(name)!, parse.GetValue(ns)), token), cancel));
        command.Subcommands.Add(describe);
        return command;
    }

    private static async Task<int> ListAsync(MnemoClient client, OutputFormat format, CancellationToken cancellationToken)
    {
        IReadOnlyList<MemshackInfo> memshacks = await client.ListMemshacksAsync(cancellationToken: cancellationToken);
        if (Output.TryWriteStructured(format, memshacks))
            return ExitCodes.Ok;
        var table = new Table().AddColumns("MEMSHACK", "SHARDS", "REPLICAS", "MEMCACHED PORT", "IN SYNC");
        foreach (MemshackInfo m in memshacks)
        {
            table.AddRow(Markup.Escape(m.Memshack), m.Shards.ToString(CultureInfo.InvariantCulture), m.Replicas.ToString(CultureInfo.InvariantCulture),
                m.MemcachedPort.ToString(CultureInfo.InvariantCulture), m.InSync ? "true" : "false");
        }
        Tables.Write(table);
        return ExitCodes.Ok;
    }

    private static async Task<int> DescribeAsync(MnemoClient client, OutputFormat format, string memshack, CancellationToken cancellationToken)
    {
        MemshackShardMap map = await client.DescribeMemshackAsync(memshack, cancellationToken: cancellationToken);
        var rows = map.Shards.SelectMany(s => s.Replicas.Select((r, i) => new
        {
            shard = s.Shard, replica = i, node = r.Node, condition = r.Condition, inSync = r.InSync, pendingHints = r.PendingHints,
        })).ToList();
        if (Output.TryWriteStructured(format, rows))
            return ExitCodes.Ok;
        var table = new Table().AddColumns("SHARD", "REPLICA", "NODE", "CONDITION", "IN SYNC", "PENDING HINTS");
        foreach (var r in rows)
        {
            table.AddRow(r.shard.ToString(CultureInfo.InvariantCulture), r.replica.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.node),
                r.condition, r.inSync ? "true" : "false", r.pendingHints.ToString(CultureInfo.InvariantCulture));
        }
        Tables.Write(table);
        return ExitCodes.Ok;
    }
}
