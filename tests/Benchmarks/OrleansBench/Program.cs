using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Mnemo.DataPlane;
using Mnemo.NativeEngine;
using Mnemo.OrleansBench;

// Does Mnemo's own pipelined data plane beat one Orleans grain call per replica write, and by how
// much? And what does an Orleans call cost on this machine? Everything runs in this process, in one
// run: two silos and a client on loopback TCP, and a data-plane server. Prints `key value unit`
// lines, then `summary:` lines with the ratios.
BenchSettings? settings = BenchSettings.Parse(args, Console.Out, Console.Error, out int exitCode);
if (settings is null)
{
    return exitCode;
}

const string RegionName = "replica";
const ulong PoolCapacity = 256UL << 20;
using var scratch = ScratchFolder.Create();
using ILoggerFactory logging = QuietLogging.CreateFactory();
// The grain's replica pool (silo-1's) and the data-plane server's: the same engine behind both transports.
using EnginePool grainPool = EnginePool.Open(new PoolOptions { Path = Path.Combine(scratch.Path, "grain"), Capacity = PoolCapacity, Mode = DeviceMode.Emulation, Create = true });
using EnginePool peerPool = EnginePool.Open(new PoolOptions { Path = Path.Combine(scratch.Path, "peer"), Capacity = PoolCapacity, Mode = DeviceMode.Emulation, Create = true });

Figures.Comment($"orleans bench: Orleans 10.4.2, {Environment.ProcessorCount} cores, pools in {scratch.Path}");
Figures.Line("calls", settings.Calls.ToString(), "count");
Figures.Line("writes", settings.Writes.ToString(), "count");
Figures.Line("concurrency", settings.Concurrency.ToString(), "count");
Figures.Line("value_size", settings.ValueSize.ToString(), "bytes");

Figures.Comment("starting silo-0 (primary) and silo-1 on loopback TCP, and an external client on silo-0's gateway");
var clock = Stopwatch.StartNew();
var replica = new ReplicaRegion(grainPool, RegionName);
await using LoopbackCluster cluster = await LoopbackCluster.StartAsync(replica, tls: null, CancellationToken.None);
await PlaceCallGrainsAsync(cluster);
string writerKey = GrainKeys.On(GrainKeys.Silo1, "replica-writer");
await cluster.PlaceAsync<IReplicaWriterGrain>(writerKey, TimeSpan.FromSeconds(30));
Figures.Line("cluster_start", clock.Elapsed.TotalSeconds, "0.00", "s");

CallLatencyPhase.Result calls = await CallLatencyPhase.RunAsync(cluster, settings);

// The same calls on a second cluster whose silo and gateway ports run mutual TLS (tls_* lines), then
// on the plain cluster again (again_* lines): whichever runs first runs on colder code, so TLS is
// compared with the mean of the plain runs before and after it.
Figures.Comment("starting a second cluster with mutual TLS on its silo and gateway ports");
CallLatencyPhase.Result tlsCalls;
using (var tls = new ClusterTls())
{
    await using LoopbackCluster tlsCluster = await LoopbackCluster.StartAsync(replica, tls, CancellationToken.None);
    await PlaceCallGrainsAsync(tlsCluster);
    tlsCalls = await CallLatencyPhase.RunAsync(tlsCluster, settings, "tls_");
}
CallLatencyPhase.Result callsAgain = await CallLatencyPhase.RunAsync(cluster, settings, "again_");

await using DataPlaneServer server = await DataPlaneServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), peerPool, (_, _) => null, logging);
await using var peer = new PeerConnection(server.EndPoint);
ReplicaData data = ReplicaData.Create(settings.Writes, settings.ValueSize);
ReplicaWritePhase.Result writes = await ReplicaWritePhase.RunAsync(
    cluster.Silo0Grains.GetGrain<IReplicaWriterGrain>(writerKey), peer, RegionName, data, settings);

Summary.Print(calls, writes, settings.Concurrency);
Summary.PrintTls([calls, callsAgain], tlsCalls);
Figures.Comment("stopping the cluster");
return 0;

static async Task PlaceCallGrainsAsync(LoopbackCluster cluster)
{
    await cluster.PlaceAsync<ICallerGrain>(GrainKeys.On(GrainKeys.Silo0, "caller"), TimeSpan.FromSeconds(30));
    await cluster.PlaceAsync<IEchoGrain>(GrainKeys.On(GrainKeys.Silo0, "echo"), TimeSpan.FromSeconds(30));
    await cluster.PlaceAsync<IEchoGrain>(GrainKeys.On(GrainKeys.Silo1, "echo"), TimeSpan.FromSeconds(30));
}
