using System.Text;
using System.Text.Json;
using Mnemo.DataPlane;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// <c>mnemo clustersnap export</c> and <c>import</c> run as processes against three silo processes: a snapshot of a
/// 3-shard Memshack exported and imported into a 2-shard one, a damaged and a cut-short file refused with
/// nothing imported, and the exit codes of both verbs.
/// </summary>
public sealed class ClusterSnapTransferTests
{
    private const int Items = 300;

    [Fact]
    public async Task An_export_imported_into_another_shard_count_gives_back_every_item_on_every_replica_and_a_damaged_file_imports_nothing()
    {
        await using MemshackCluster memshacks = await MemshackCluster.StartAsync();
        string[] connection = ["--kubeconfig", memshacks.Cluster.Kubeconfig, "--namespace", "default", "--cluster-id", memshacks.Cluster.ClusterId];
        const string Resharded = "default/resharded", Spare = "default/spare";
        int reshardedPort = MemshackCluster.FreePortRange(3);
        await memshacks.ApplyAsync("resharded", reshardedPort, "all", shards: 2);
        await memshacks.ApplyAsync("spare", MemshackCluster.FreePortRange(3), "all", shards: 4);
        await WaitUntilInSyncAsync(memshacks, Resharded, 2);
        await WaitUntilInSyncAsync(memshacks, Spare, 4);

        // Items with their own flags, some with an exptime, values of many lengths.
        int port = memshacks.GatewayPort(MemshackCluster.Strict, 0);
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port))
        {
            for (int i = 0; i < Items; i++)
            {
                string value = new((char)('a' + i % 26), 1 + i * 7 % 500);
                Assert.Equal("STORED", await client.CommandAsync($"set item-{i} {i * 37} {(i % 3 == 0 ? 3600 : 0)} {value.Length}\r\n{value}"));
            }
        }
        SortedDictionary<string, string> expected = await ItemsOfAsync(memshacks, MemshackCluster.Strict, 3);
        Assert.Equal(Items, expected.Count);

        var created = await CliRunner.MnemoAsync(["clustersnap", "create", "source", "--memshack", "strict", .. connection]);
        Assert.True(created.ExitCode == 0, created.Stderr);
        // Written after the cut: the export holds the snapshot, not the live items.
        await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(port))
        {
            for (int i = 0; i < Items; i += 10)
                Assert.Equal("STORED", await client.SetAsync($"item-{i}", "after the snapshot"));
            Assert.Equal("STORED", await client.SetAsync("born-after", "x"));
        }

        string directory = Directory.CreateTempSubdirectory("mnemo-snapexport-").FullName;
        try
        {
            string file = Path.Combine(directory, "source.csnap");
            var exported = await CliRunner.MnemoAsync(["clustersnap", "export", "source", "--file", file, "-o", "json", .. connection]);
            Assert.True(exported.ExitCode == 0, exported.Stderr);
            using (JsonDocument json = JsonDocument.Parse(exported.Stdout))
            {
                Assert.Equal(Items, json.RootElement.GetProperty("items").GetInt64());
                Assert.Equal(3, json.RootElement.GetProperty("shards").GetInt32());
                Assert.Equal(new FileInfo(file).Length, json.RootElement.GetProperty("bytes").GetInt64());
            }
            Assert.Contains("mnemo: export source: 100%", exported.Stderr);
            Assert.False(File.Exists(file + ".tmp"));

            // Damaged and cut-short copies are refused before anything is written.
            string damaged = Path.Combine(directory, "damaged.csnap"), truncated = Path.Combine(directory, "truncated.csnap");
            byte[] bytes = await File.ReadAllBytesAsync(file);
            bytes[bytes.Length - 100] ^= 0x40;
            await File.WriteAllBytesAsync(damaged, bytes);
            await File.WriteAllBytesAsync(truncated, (await File.ReadAllBytesAsync(file))[..^10]);
            var refusedDamaged = await CliRunner.MnemoAsync(["clustersnap", "import", "--file", damaged, "--memshack", "spare", .. connection]);
            Assert.Equal(7, refusedDamaged.ExitCode);
            Assert.Contains("checksum mismatch", refusedDamaged.Stderr);
            Assert.Contains("nothing imported", refusedDamaged.Stderr);
            var refusedTruncated = await CliRunner.MnemoAsync(["clustersnap", "import", "--file", truncated, "--memshack", "spare", .. connection]);
            Assert.Equal(7, refusedTruncated.ExitCode);
            Assert.Contains("truncated", refusedTruncated.Stderr);
            Assert.Empty(await ItemsOfAsync(memshacks, Spare, 4));

            // Imported into 2 shards: every key re-routed by Ch3, on both replicas of its shard, with the
            // value, flags and CAS it had in the snapshot; then recorded as a snapshot of its own.
            var imported = await CliRunner.MnemoAsync(["clustersnap", "import", "imported", "--file", file, "--memshack", "resharded", "-o", "json", .. connection]);
            Assert.True(imported.ExitCode == 0, imported.Stderr);
            using (JsonDocument json = JsonDocument.Parse(imported.Stdout))
            {
                Assert.Equal(Items, json.RootElement.GetProperty("written").GetInt64());
                Assert.Equal(0, json.RootElement.GetProperty("failed").GetInt64());
                Assert.Equal(3, json.RootElement.GetProperty("fromShards").GetInt32());
                Assert.Equal(2, json.RootElement.GetProperty("shards").GetInt32());
            }
            var router = new Ch3Router(2);
            var found = new SortedDictionary<string, string>(StringComparer.Ordinal);
            for (int shard = 0; shard < 2; shard++)
            {
                MemshackShardStatus status = await memshacks.ShardStatusAsync(Resharded, shard);
                Assert.Equal(2, status.Replicas.Length);
                SortedDictionary<string, string>[] replicas = await Task.WhenAll(status.Replicas.Select(r =>
                    memshacks.ReadReplicaItemsAsync(MemshackCluster.NodeIndex(r.Node), Resharded, shard)));
                Assert.Equal(replicas[0], replicas[1]);
                foreach ((string key, string item) in replicas[0])
                {
                    Assert.Equal(shard, router.ShardOf(Encoding.UTF8.GetBytes(key)));
                    found[key] = item;
                }
            }
            Assert.Equal(expected, found);
            await using (MemcachedTextClient client = await MemcachedTextClient.ConnectAsync(reshardedPort + 1))
            {
                string withExptime = await client.CommandAsync("mg item-3 t");
                Assert.StartsWith("HD t", withExptime);
                Assert.InRange(int.Parse(withExptime["HD t".Length..]), 3000, 3600);
                Assert.Equal("HD t-1", await client.CommandAsync("mg item-1 t"));
            }
            var snapshots = await CliRunner.MnemoAsync(["clustersnap", "list", "-o", "json", .. connection]);
            using (JsonDocument json = JsonDocument.Parse(snapshots.Stdout))
            {
                JsonElement recorded = json.RootElement.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "imported");
                Assert.Equal("Committed", recorded.GetProperty("phase").GetString());
                Assert.Equal(Items, recorded.GetProperty("items").GetInt64());
            }

            // Exit codes scripts rely on.
            var missing = await CliRunner.MnemoAsync(["clustersnap", "export", "nosuch", "--file", Path.Combine(directory, "x"), .. connection]);
            Assert.Equal(1, missing.ExitCode);
            Assert.Contains("no cluster snapshot default/nosuch", missing.Stderr);
            var unserved = await CliRunner.MnemoAsync(["clustersnap", "import", "--file", file, "--memshack", "nosuch", .. connection]);
            Assert.Equal(2, unserved.ExitCode);
            Assert.Contains("not served", unserved.Stderr);
            var absentFile = await CliRunner.MnemoAsync(["clustersnap", "import", "--file", Path.Combine(directory, "absent"), "--memshack", "spare", .. connection]);
            Assert.Equal(1, absentFile.ExitCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    internal static Task WaitUntilInSyncAsync(MemshackCluster memshacks, string memshack, int shards) =>
        memshacks.Cluster.WaitUntilAsync(async () =>
        {
            for (int shard = 0; shard < shards; shard++)
            {
                MemshackShardStatus status = await memshacks.ShardStatusAsync(memshack, shard);
                if (!status.Served || status.Replicas.Length == 0 || status.Replicas.Any(r => r.State != ReplicaStateNames.InSync || r.PendingHints > 0))
                    return false;
            }
            return true;
        }, TimeSpan.FromSeconds(90), $"{memshack} to be served with every replica in sync");

    /// <summary>Every item of the Memshack as its replicas hold them (key → value, flags, CAS, stale mark); throws when two replicas of a shard differ.</summary>
    internal static async Task<SortedDictionary<string, string>> ItemsOfAsync(MemshackCluster memshacks, string memshack, int shards)
    {
        var items = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int shard = 0; shard < shards; shard++)
        {
            MemshackShardStatus status = await memshacks.ShardStatusAsync(memshack, shard);
            SortedDictionary<string, string>[] replicas = await Task.WhenAll(status.Replicas.Select(r =>
                memshacks.ReadReplicaItemsAsync(MemshackCluster.NodeIndex(r.Node), memshack, shard)));
            Assert.All(replicas, r => Assert.Equal(replicas[0], r));
            foreach ((string key, string item) in replicas[0])
                items[key] = item;
        }
        return items;
    }
}
