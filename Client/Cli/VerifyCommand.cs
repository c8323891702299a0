using System.Globalization;
using Mnemo.Client;
using Mnemo.Grains.Interfaces;
using Spectre.Console;

namespace Mnemo.Cli;

/// <summary>
/// <c>mnemo verify &lt;memshack&gt;</c>: compares the replicas of every shard and reports the keys
/// whose replicas differ. Exit code 0 when every replica of every shard agrees,
/// <see cref="Differ"/> when keys differ, <see cref="Unreachable"/> when none differ but a replica
/// could not be compared.
/// </summary>
internal static class VerifyCommand
{
    public const int Differ = ExitCodes.Differ;
    public const int Unreachable = ExitCodes.Unreachable;

    public static async Task<int> RunAsync(MnemoClient client, OutputFormat format, string memshack, CancellationToken cancellationToken)
    {
        IReadOnlyList<MemshackShardVerification> shards = await client.VerifyAsync(memshack);
        if (shards.Count == 0)
        {
            await Console.Error.WriteLineAsync($"mnemo: Memshack '{memshack}' is not served");
            return 1;
        }

        if (!Output.TryWriteStructured(format, Rows(shards)))
            WriteTables(shards);
        return shards.Any(s => s.DifferingKeys > 0) ? Differ
            : shards.Any(s => s.UnreachableNodes.Length > 0) ? Unreachable
            : 0;
    }

    private static IEnumerable<object> Rows(IReadOnlyList<MemshackShardVerification> shards) => shards.Select(s => new
    {
        memshack = s.Memshack,
        shard = s.Shard,
        replicas = s.Replicas,
        unreachable = s.UnreachableNodes,
        differingKeys = s.DifferingKeys,
        truncated = s.Truncated,
        keys = s.Keys.Select(k => new { key = k.Key, versions = k.Versions }),
    });

    private static void WriteTables(IReadOnlyList<MemshackShardVerification> shards)
    {
        var table = new Table().AddColumns("SHARD", "REPLICAS", "DIFFERING KEYS", "UNREACHABLE");
        foreach (MemshackShardVerification s in shards)
        {
            string differing = s.DifferingKeys.ToString(CultureInfo.InvariantCulture) + (s.Truncated ? "+" : "");
            table.AddRow(s.Shard.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(",", s.Replicas)), differing,
                Markup.Escape(string.Join(",", s.UnreachableNodes)));
        }
        Tables.Write(table);

        var keys = shards.SelectMany(s => s.Keys.Select(k => (s, k))).ToList();
        if (keys.Count == 0)
            return;
        var versions = new Table().AddColumns("SHARD", "KEY", "VERSION PER REPLICA (CAS, - = none)");
        foreach ((MemshackShardVerification s, MemshackDifferingKey k) in keys)
        {
            versions.AddRow(s.Shard.ToString(CultureInfo.InvariantCulture), Markup.Escape(k.Key),
                Markup.Escape(string.Join(" ", s.Replicas.Select((node, i) => $"{node}={k.Versions[i]?.ToString(CultureInfo.InvariantCulture) ?? "-"}"))));
        }
        Tables.Write(versions);
    }
}
