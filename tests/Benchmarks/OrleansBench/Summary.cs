namespace Mnemo.OrleansBench;

/// <summary>The ratios that answer the design question, as figures and as `summary:` lines.</summary>
internal static class Summary
{
    public static void Print(CallLatencyPhase.Result calls, ReplicaWritePhase.Result writes, int concurrency)
    {
        double bare = calls.Bare.Latency().P50, same = calls.SameSilo.Latency().P50, other = calls.OtherSilo.Latency().P50;
        double hosted = calls.HostedOtherSilo.Latency().P50;
        double oneHop = calls.ClientOneHop.Latency().P50, forwarded = calls.ClientForwarded.Latency().P50;
        Figures.Line("call_grain_same_silo_vs_bare_p50", same / bare, "0.0", "ratio");
        Figures.Line("call_grain_other_silo_vs_same_silo_p50", other / same, "0.0", "ratio");
        Figures.Line("call_hosted_other_silo_vs_grain_other_silo_p50", hosted / other, "0.00", "ratio");
        Figures.Line("call_client_one_hop_vs_grain_other_silo_p50", oneHop / other, "0.00", "ratio");
        Figures.Line("write_dataplane_vs_grain_seq_rate", writes.DataPlaneSequential.OpsPerSecond / writes.GrainSequential.OpsPerSecond, "0.00", "ratio");
        Figures.Line($"write_dataplane_vs_grain_c{concurrency}_rate", writes.DataPlaneConcurrent.OpsPerSecond / writes.GrainConcurrent.OpsPerSecond, "0.00", "ratio");

        Figures.Summary($"call p50: bare {bare:F2} us; grain->grain same silo {same:F1} us ({same / bare:F0}x bare), other silo {other:F1} us ",
            $"({other / same:F1}x same silo), from silo-0 code outside a grain {hosted:F1} us; ",
            $"client->grain {oneHop:F1} us one hop, {forwarded:F1} us forwarded by the gateway");
        Write("sequential", writes.DataPlaneSequential, writes.GrainSequential);
        Write($"{concurrency} in flight", writes.DataPlaneConcurrent, writes.GrainConcurrent);
        Figures.Summary($"allocated per replica write (process-wide, both ends): grain call {writes.GrainSequential.AllocatedBytesPerOp:F0} B sequential, ",
            $"{writes.GrainConcurrent.AllocatedBytesPerOp:F0} B concurrent; data plane {writes.DataPlaneSequential.AllocatedBytesPerOp:F0} B, ",
            $"{writes.DataPlaneConcurrent.AllocatedBytesPerOp:F0} B");
    }

    /// <summary>
    /// What mutual TLS on the silo and gateway ports costs each call path that crosses one: p50 and rate
    /// with TLS over the mean of the <paramref name="plain"/> runs.
    /// </summary>
    public static void PrintTls(CallLatencyPhase.Result[] plain, CallLatencyPhase.Result tls)
    {
        (string Name, Func<CallLatencyPhase.Result, Measurement> Path)[] paths =
        [
            ("grain_other_silo", r => r.OtherSilo),
            ("client_one_hop", r => r.ClientOneHop),
            ("client_forwarded", r => r.ClientForwarded),
        ];
        var p50s = new List<FormattableString>();
        foreach ((string name, Func<CallLatencyPhase.Result, Measurement> path) in paths)
        {
            double plainP50 = plain.Average(r => path(r).Latency().P50), plainRate = plain.Average(r => path(r).OpsPerSecond);
            double tlsP50 = path(tls).Latency().P50;
            Figures.Line($"tls_vs_plain_call_{name}_p50", tlsP50 / plainP50, "0.00", "ratio");
            Figures.Line($"tls_vs_plain_call_{name}_rate", path(tls).OpsPerSecond / plainRate, "0.00", "ratio");
            p50s.Add($"{name} {tlsP50:F1} vs {plainP50:F1} us; ");
        }
        Figures.Summary([$"mutual TLS on the Orleans ports, p50 TLS vs plain (mean of the runs before and after): ", .. p50s]);
    }

    private static void Write(string mode, Measurement dataPlane, Measurement grain)
    {
        Percentiles d = dataPlane.Latency(), g = grain.Latency();
        Figures.Summary($"replica write, {mode}: data plane {dataPlane.OpsPerSecond:F0} ops/s = {dataPlane.OpsPerSecond / grain.OpsPerSecond:F2}x ",
            $"a grain call per write ({grain.OpsPerSecond:F0} ops/s); p50 {d.P50:F1} vs {g.P50:F1} us, p99 {d.P99:F1} vs {g.P99:F1} us");
    }
}
