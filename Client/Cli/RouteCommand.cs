using System.CommandLine;
using System.Globalization;
using System.Text;
using Mnemo.Client;
using Mnemo.DataPlane;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary>
/// <c>mnemo route &lt;memshack&gt; &lt;key&gt;</c>: the key's shard by the data plane's own Ch3 router and that shard's
/// replica nodes from the Memshack's shard map: the answer of a gateway's <c>get __mcrouter__.route(get,&lt;key&gt;)</c>.
/// </summary>
internal static class RouteCommand
{
    public static Command Create(Func<ParseResult, ConnectionArguments> connection, Option<OutputFormat> output, Option<string?> ns)
    {
        var memshack = new Argument<string>("memshack") { Description = "the Memshack: name (in --namespace) or namespace/name" };
        var key = new Argument<string>("key") { Description = "the cache key" };
        var command = new Command("route", "The shard and replica nodes a key is routed to (mcrouter's Ch3, as the gateways route it)");
        command.Arguments.Add(memshack);
        command.Arguments.Add(key);
        command.SetAction((parse, cancel) => CommandRunner.RunAsync(connection(parse), parse.GetValue(output),
            (client, format, token) => RunAsync(client, format, MemshackNames.Qualify(parse.GetValue(memshack)!, parse.GetValue(ns)), parse.GetValue(key)!, token),
            cancel));
        return command;
    }

    private static async Task<int> RunAsync(MnemoClient client, OutputFormat format, string memshack, string key, CancellationToken cancellationToken)
    {
        MemshackShardMap map = await client.DescribeMemshackAsync(memshack, cancellationToken: cancellationToken);
        int shard = new Ch3Router(map.Memshack.Shards).ShardOf(Encoding.UTF8.GetBytes(key));
        string[] replicas = map.Shards.Single(s => s.Shard == shard).Replicas.Select(r => r.Node).ToArray();
        if (Output.TryWriteStructured(format, new { memshack = map.Memshack.Memshack, key, shard, replicas }))
            return ExitCodes.Ok;
        var table = new Table().AddColumns("MEMSHACK", "KEY", "SHARD", "REPLICAS");
        table.AddRow(Markup.Escape(map.Memshack.Memshack), Markup.Escape(key), shard.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(",", replicas)));
        Tables.Write(table);
        return ExitCodes.Ok;
    }
}
