using System.Diagnostics.Metrics;

namespace Mnemo.DataPlane;

/// <summary>
/// The replication of every shard a silo serves, read from its replica sets when scraped: each replica's lag
/// (keys it missed and still waits for, and its state), keys anti-entropy repaired, replicas repaired from their
/// hints, and resyncs by outcome. Tagged with <c>memshack</c> and <c>shard</c> (and the replica's node).
/// </summary>
public sealed class ReplicationMetrics : IDisposable
{
    private static readonly ReplicaState[] States = Enum.GetValues<ReplicaState>();

    private readonly Meter _meter = new(DataPlaneMetrics.MeterName);
    private readonly ServedMemshacks _served;

    public ReplicationMetrics(ServedMemshacks served)
    {
        _served = served;
        _meter.CreateObservableGauge("mnemo.replica.pending_hints", () => Replicas().Select(r => new Measurement<long>(r.Status.PendingHints,
                Memshack(r.Memshack), Shard(r.Shard), new("replica", r.Node))), "{key}",
            "Replication lag: keys a replica missed (it was unreachable) and has not been repaired yet");
        _meter.CreateObservableGauge("mnemo.replica.state", () => Replicas().SelectMany(r => States.Select(state => new Measurement<int>(
                r.Status.State == state ? 1 : 0, Memshack(r.Memshack), Shard(r.Shard), new("replica", r.Node), new("state", ReplicaStateNames.Of(state))))), "{replica}",
            "1 for a replica's current state (in_sync, unreachable, resyncing, needs_resync), 0 for the others");
        _meter.CreateObservableCounter("mnemo.replica.repaired_keys", () => Shards().Select(s => new Measurement<long>(s.Replicas.Replicas.RepairedKeys,
                Memshack(s.Memshack), Shard(s.Replicas.Index))), "{key}",
            "Keys anti-entropy found different between a shard's replicas and repaired");
        _meter.CreateObservableCounter("mnemo.replica.hint_repairs", () => Shards().Select(s => new Measurement<long>(s.Replicas.Replicas.HintRepairs,
                Memshack(s.Memshack), Shard(s.Replicas.Index))), "{repair}",
            "Unreachable replicas brought back in sync by repairing the keys they missed");
        _meter.CreateObservableCounter("mnemo.replica.resyncs", () => Shards().SelectMany(s => new[]
            {
                new Measurement<long>(s.Replicas.Replicas.ResyncsCompleted, Memshack(s.Memshack), Shard(s.Replicas.Index), new("outcome", "in_sync")),
                new Measurement<long>(s.Replicas.Replicas.ResyncsFailed, Memshack(s.Memshack), Shard(s.Replicas.Index), new("outcome", "failed")),
            }), "{resync}",
            "Whole-replica resyncs from an in-sync peer, by outcome");
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<(string Memshack, ServedShard Replicas)> Shards() =>
        _served.Names.SelectMany(name => (_served.FindShards(name) ?? []).Select(shard => (name, shard)));

    private IEnumerable<(string Memshack, int Shard, string Node, ReplicaStatus Status)> Replicas() =>
        Shards().SelectMany(s => s.Replicas.Replicas.GetReplicaStatuses().Select((status, i) => (s.Memshack, s.Replicas.Index, s.Replicas.Nodes[i], status)));

    private static KeyValuePair<string, object?> Memshack(string name) => new("memshack", name);

    private static KeyValuePair<string, object?> Shard(int index) => new("shard", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
