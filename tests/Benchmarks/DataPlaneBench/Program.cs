using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Mnemo.DataPlaneBench;
using Mnemo.DataPlane;
using Mnemo.Kubernetes.Certificates;
using Mnemo.NativeEngine;

// Replica operations over one data-plane connection against the same operations on the local engine,
// in one run, and over a mutual-TLS connection: 16 callers by default, each doing set+get pairs. Prints `key value unit` lines.
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(BenchSettings.Usage);
    return 0;
}
BenchSettings? settings = BenchSettings.Parse(args, Console.Error);
if (settings is null)
{
    return 2;
}

string folder = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"mnemo-dataplane-bench-{Environment.ProcessId}");
Directory.CreateDirectory(folder);
using ILoggerFactory logging = LoggerFactory.Create(builder => builder.AddConsole().SetMinimumLevel(LogLevel.Warning));
try
{
    using EnginePool local = EnginePool.Open(new PoolOptions { Path = Path.Combine(folder, "local"), Capacity = 256UL << 20, Create = true });
    using EnginePool remote = EnginePool.Open(new PoolOptions { Path = Path.Combine(folder, "remote"), Capacity = 256UL << 20, Create = true });
    await using DataPlaneServer server = await DataPlaneServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), remote, (_, _) => null, logging);
    await using var peer = new PeerConnection(server.EndPoint);
    using var localReplica = new EngineRegionStore(local, local.GetOrCreateRegion("bench"), "local/bench");
    var remoteReplica = new RemoteReplica(peer, "bench", "remote/bench", (int)EngineLimits.ItemSizeMaxDefault);

    Console.WriteLine($"callers {settings.Callers} count");
    Console.WriteLine($"value_size {settings.ValueLength} bytes");

    Phase.Result engine = await Phase.RunAsync(localReplica, settings);
    Print("local_engine", engine);

    PeerConnectionStats before = peer.Stats;
    Phase.Result wire = await Phase.RunAsync(remoteReplica, settings);
    PeerConnectionStats after = peer.Stats;
    Print("one_peer_connection", wire);
    long operations = after.Operations - before.Operations;
    long flushes = after.Flushes - before.Flushes;
    Console.WriteLine($"one_peer_connection_ops_per_flush {(double)operations / flushes:F1} ops");
    Console.WriteLine($"one_peer_connection_flushes_per_op {(double)flushes / operations:F3} flushes");
    Console.WriteLine($"one_peer_connection_vs_local_engine {wire.OpsPerSecond / engine.OpsPerSecond:F3} ratio");

    // The same over mutual TLS, as silos run it by default: certificates of a cluster CA, checked per handshake.
    using X509Certificate2 authority = CertificateIssuer.CreateAuthority("mnemo-ca", DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
    using X509Certificate2 serverCertificate = CertificateIssuer.IssueNode(authority, "remote", [], DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
    using X509Certificate2 clientCertificate = CertificateIssuer.IssueNode(authority, "local", [], DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
    PeerTls Tls(X509Certificate2 own) => new(() => own, presented => ClusterTrust.Verify(presented, [authority], DateTimeOffset.UtcNow));
    await using DataPlaneServer tlsServer = await DataPlaneServer.StartAsync(new IPEndPoint(IPAddress.Loopback, 0), remote, (_, _) => null, logging,
        tls: Tls(serverCertificate));
    await using var tlsPeer = new PeerConnection(tlsServer.EndPoint, new PeerConnectionOptions { Identity = new PeerIdentity("bench", "local"), Tls = Tls(clientCertificate) });
    Phase.Result tls = await Phase.RunAsync(new RemoteReplica(tlsPeer, "bench", "remote/bench", (int)EngineLimits.ItemSizeMaxDefault), settings);
    Print("tls_peer_connection", tls);
    Console.WriteLine($"tls_vs_plain_peer_connection {tls.OpsPerSecond / wire.OpsPerSecond:F3} ratio");

    // Reads prefer the local replica, as on a silo holding one of the shard's replicas.
    var set = new ReplicaSet([localReplica, remoteReplica], new ReplicaSetOptions { WriteQuorum = WriteQuorum.All, LocalReplica = 0 });
    Phase.Result replicated = await Phase.RunAsync(set, settings);
    Print("replica_set_local_plus_remote", replicated);
    Console.WriteLine($"replica_set_vs_local_engine {replicated.OpsPerSecond / engine.OpsPerSecond:F3} ratio");

    // The same set reading the remote replica first, as the gateway name's hash alone may choose.
    var remoteFirst = new ReplicaSet([localReplica, remoteReplica], new ReplicaSetOptions { WriteQuorum = WriteQuorum.All, GatewayName = GatewayNamePreferring(1) });
    Phase.Result remoteReads = await Phase.RunAsync(remoteFirst, settings);
    Print("replica_set_reads_remote_first", remoteReads);
    Console.WriteLine($"replica_set_local_first_vs_remote_first {replicated.OpsPerSecond / remoteReads.OpsPerSecond:F3} ratio");
    return 0;

    string GatewayNamePreferring(int index)
    {
        for (int n = 0; ; n++)
        {
            var options = new ReplicaSetOptions { GatewayName = $"bench-{n}" };
            if (new ReplicaSet([localReplica, remoteReplica], options).PreferredIndex == index)
            {
                return options.GatewayName;
            }
        }
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}

void Print(string name, Phase.Result result)
{
    Console.WriteLine($"{name}_throughput {result.OpsPerSecond:F0} ops/s");
    Console.WriteLine($"{name}_latency {result.MicrosecondsPerOp(settings.Callers):F1} us/op");
    // Client and server share this process, so this counts both sides of the wire.
    Console.WriteLine($"{name}_allocated {(double)result.AllocatedBytes / result.Operations:F1} bytes/op");
    Console.WriteLine($"{name}_cpu {result.CpuMicrosecondsPerOp:F2} us/op");
}
