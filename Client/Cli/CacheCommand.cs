using System.CommandLine;
using System.Globalization;
using System.Text;
using Mnemo.Client;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary><c>mnemo cache get|set|delete &lt;memshack&gt; &lt;key&gt; [value]</c>: single cache calls through the gRPC API (values as UTF-8 text).</summary>
internal static class CacheCommand
{
    public static Command Create(Func<ParseResult, ConnectionArguments> connection, Option<OutputFormat> output, Option<string?> ns)
    {
        var memshack = new Argument<string>("memshack") { Description = "the Memshack: name (in --namespace) or namespace/name" };
        var key = new Argument<string>("key") { Description = "the cache key" };
        var value = new Argument<string>("value") { Description = "the value, stored as UTF-8" };
        var flags = new Option<uint>("--flags") { Description = "client flags stored with the item" };
        var ttl = new Option<int>("--ttl") { Description = "seconds the item lives (0: no expiry)" };
        string Name(ParseResult parse) => MemshackNames.Qualify(parse.GetValue(memshack)!, parse.GetValue(ns));

        var command = new Command("cache", "Get, set or delete one key of a Memshack (gRPC API)");

        var get = new Command("get", "Read a key: value, flags, CAS, expiry; exit 2 when it is absent") { memshack, key };
        get.SetAction((parse, cancel) => CommandRunner.RunAsync(connection(parse), parse.GetValue(output),
            (client, format, token) => GetAsync(client, format, Name(parse), parse.GetValue(key)!, token), cancel));
        command.Subcommands.Add(get);

        var set = new Command("set", "Store a key's value; prints its CAS unique") { memshack, key, value, flags, ttl };
        set.SetAction((parse, cancel) => CommandRunner.RunAsync(connection(parse), parse.GetValue(output),
            (client, format, token) => SetAsync(client, format, Name(parse), parse.GetValue(key)!, parse.GetValue(value)!, parse.GetValue(flags), parse.GetValue(ttl), token),
            cancel));
        command.Subcommands.Add(set);

        var delete = new Command("delete", "Delete a key; exit 2 when it was absent") { memshack, key };
        delete.SetAction((parse, cancel) => CommandRunner.RunAsync(connection(parse), parse.GetValue(output),
            (client, format, token) => DeleteAsync(client, format, Name(parse), parse.GetValue(key)!, token), cancel));
        command.Subcommands.Add(delete);
        return command;
    }

    private static async Task<int> GetAsync(MnemoClient client, OutputFormat format, string memshack, string key, CancellationToken cancellationToken)
    {
        CacheLookup lookup = await client.GetAsync(memshack, key, cancellationToken: cancellationToken);
        if (lookup.Item is not { } item)
        {
            await Console.Error.WriteLineAsync($"mnemo: key '{key}' not found in Memshack {memshack}");
            return ExitCodes.NotFound;
        }
        var row = new
        {
            key = item.Key, value = Encoding.UTF8.GetString(item.Value), flags = item.Flags, cas = item.Cas,
            expires = item.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture),
        };
        if (!Output.TryWriteStructured(format, row))
        {
            Tables.Write(new Table().AddColumns("KEY", "VALUE", "FLAGS", "CAS", "EXPIRES").AddRow(Markup.Escape(row.key), Markup.Escape(row.value),
                row.flags.ToString(CultureInfo.InvariantCulture), row.cas.ToString(CultureInfo.InvariantCulture), row.expires ?? "never"));
        }
        return ExitCodes.Ok;
    }

    private static async Task<int> SetAsync(MnemoClient client, OutputFormat format, string memshack, string key, string value, uint flags, int ttlSeconds,
        CancellationToken cancellationToken)
    {
        if (ttlSeconds < 0)
            throw new ArgumentException($"--ttl is seconds, 0 or more; got {ttlSeconds}");
        TimeSpan? ttl = ttlSeconds == 0 ? null : TimeSpan.FromSeconds(ttlSeconds);
        ulong cas = await client.SetAsync(memshack, key, value, flags, ttl, cancellationToken: cancellationToken);
        if (!Output.TryWriteStructured(format, new { key, cas }))
            Tables.Write(new Table().AddColumns("KEY", "CAS").AddRow(Markup.Escape(key), cas.ToString(CultureInfo.InvariantCulture)));
        return ExitCodes.Ok;
    }

    private static async Task<int> DeleteAsync(MnemoClient client, OutputFormat format, string memshack, string key, CancellationToken cancellationToken)
    {
        bool deleted = await client.DeleteAsync(memshack, key, cancellationToken: cancellationToken);
        if (!Output.TryWriteStructured(format, new { key, deleted }))
            Tables.Write(new Table().AddColumns("KEY", "DELETED").AddRow(Markup.Escape(key), deleted ? "true" : "false"));
        return deleted ? ExitCodes.Ok : ExitCodes.NotFound;
    }
}
