using Mnemo.DataPlane;

namespace Mnemo.OrleansBench;

/// <summary>
/// Part 2: the same replica writes (same keys, value and count) as one grain call each and as sets on
/// the data plane's pipelined peer connection, sequential and with N in flight. Both cross loopback
/// TCP from code on silo-0's side to an engine region of another pool, and both end in the same
/// engine call.
/// </summary>
internal static class ReplicaWritePhase
{
    public sealed record Result(Measurement GrainSequential, Measurement DataPlaneSequential, Measurement GrainConcurrent, Measurement DataPlaneConcurrent);

    public static async Task<Result> RunAsync(IReplicaWriterGrain grain, PeerConnection peer, string peerRegion, ReplicaData data, BenchSettings settings)
    {
        int writes = settings.Writes, warmup = BenchSettings.WarmupFor(writes), n = settings.Concurrency;
        Figures.Comment($"part 2, replica writes: {writes} sets per path and mode ({BenchSettings.KeySize}-byte keys, " +
            $"{settings.ValueSize}-byte values, {data.Keys.Length} distinct keys), after {warmup} untimed ones");
        var asGrainCall = new GrainReplicaWriter(grain);
        var overDataPlane = new DataPlaneReplicaWriter(peer, peerRegion);

        // Alternating the two transports per mode, so a change in machine load hits both alike.
        Measurement grainSequential = await PathAsync("write_grain_seq",
            "grain call per write, sequential: silo-0 hosted code -> ReplicaWriterGrain on silo-1 -> engine region", asGrainCall, data, writes, warmup, 1);
        Measurement dataPlaneSequential = await PathAsync("write_dataplane_seq",
            "data plane, sequential: PeerConnection set -> DataPlaneServer on loopback -> engine region of another pool", overDataPlane, data, writes, warmup, 1);
        Measurement grainConcurrent = await PathAsync($"write_grain_c{n}",
            $"grain call per write, {n} in flight (one replica grain, as one shard replica)", asGrainCall, data, writes, warmup, n);
        PeerConnectionStats before = peer.Stats;
        Measurement dataPlaneConcurrent = await PathAsync($"write_dataplane_c{n}",
            $"data plane, {n} in flight on the one peer connection", overDataPlane, data, writes, warmup, n);
        PeerConnectionStats after = peer.Stats;
        // Counts the warm-up too; it runs at the same concurrency, so the ratio is the same.
        Figures.Line($"write_dataplane_c{n}_writes_per_flush", (double)(after.Operations - before.Operations) / (after.Flushes - before.Flushes), "0.0", "writes");
        return new Result(grainSequential, dataPlaneSequential, grainConcurrent, dataPlaneConcurrent);
    }

    private static async Task<Measurement> PathAsync(string name, string description, IReplicaWriter writer, ReplicaData data, int writes, int warmup,
        int concurrency)
    {
        Figures.Comment(description);
        await WriteLoad.RunAsync(name + " warm-up", writer, data, warmup, concurrency).ConfigureAwait(false);
        Measurement measured = await WriteLoad.RunAsync(name, writer, data, writes, concurrency).ConfigureAwait(false);
        Figures.Path(name, measured, "ops/s");
        return measured;
    }
}
