namespace Mnemo.OrleansBench;

/// <summary>
/// Part 1: what one Orleans call costs, sequential, from the bare method call up to an external
/// client whose call the gateway forwards to another silo.
/// </summary>
internal static class CallLatencyPhase
{
    public sealed record Result(Measurement Bare, Measurement SameSilo, Measurement OtherSilo, Measurement HostedOtherSilo, Measurement ClientOneHop,
        Measurement ClientForwarded);

    /// <param name="prefix">Before each figure's name: which cluster ran it.</param>
    public static async Task<Result> RunAsync(LoopbackCluster cluster, BenchSettings settings, string prefix = "")
    {
        int warmup = BenchSettings.WarmupFor(settings.Calls);
        Figures.Comment($"part 1, grain call latency: {settings.Calls} sequential Ping(int) calls per path, after {warmup} untimed ones");

        // The grain class itself, called through its interface with no runtime in between.
        IEchoGrain bare = new EchoGrain();
        ICallerGrain caller = cluster.Silo0Grains.GetGrain<ICallerGrain>(GrainKeys.On(GrainKeys.Silo0, "caller"));
        string echoOnSilo0 = GrainKeys.On(GrainKeys.Silo0, "echo"), echoOnSilo1 = GrainKeys.On(GrainKeys.Silo1, "echo");
        // Part 2's grain writes are called this way: from code a silo hosts (a gateway), not from a grain.
        IEchoGrain hostedToSilo1 = cluster.Silo0Grains.GetGrain<IEchoGrain>(echoOnSilo1);
        IEchoGrain clientToSilo0 = cluster.Client.GetGrain<IEchoGrain>(echoOnSilo0);
        IEchoGrain clientToSilo1 = cluster.Client.GetGrain<IEchoGrain>(echoOnSilo1);

        return new Result(
            await PathAsync(prefix + "call_bare", "bare: EchoGrain.Ping on an instance through IEchoGrain, no Orleans", settings.Calls, warmup,
                n => SequentialTimer.RunAsync(bare, static (echo, i) => echo.Ping(i), n)),
            await PathAsync(prefix + "call_grain_same_silo", "grain -> grain on the same silo (caller and echo grain on silo-0)", settings.Calls, warmup,
                n => caller.TimeCalls(echoOnSilo0, n)),
            await PathAsync(prefix + "call_grain_other_silo", "grain -> grain on the other silo (silo-0 -> silo-1 over loopback TCP)", settings.Calls, warmup,
                n => caller.TimeCalls(echoOnSilo1, n)),
            await PathAsync(prefix + "call_hosted_other_silo", "silo-0 hosted code, not a grain -> grain on silo-1 (as a gateway would call)", settings.Calls, warmup,
                n => SequentialTimer.RunAsync(hostedToSilo1, static (echo, i) => echo.Ping(i), n)),
            await PathAsync(prefix + "call_client_one_hop", "external client -> grain on its gateway silo (client -> silo-0 gateway over TCP)", settings.Calls, warmup,
                n => SequentialTimer.RunAsync(clientToSilo0, static (echo, i) => echo.Ping(i), n)),
            await PathAsync(prefix + "call_client_forwarded", "external client -> grain on the other silo (silo-0's gateway forwards to silo-1)", settings.Calls, warmup,
                n => SequentialTimer.RunAsync(clientToSilo1, static (echo, i) => echo.Ping(i), n)));
    }

    private static async Task<Measurement> PathAsync(string name, string description, int calls, int warmup, Func<int, Task<Measurement>> runPiece)
    {
        Figures.Comment(description);
        await runPiece(warmup).ConfigureAwait(false);
        Measurement measured = await ChunkedRun.RunAsync(name, calls, runPiece).ConfigureAwait(false);
        Figures.Path(name, measured, "calls/s");
        return measured;
    }
}
