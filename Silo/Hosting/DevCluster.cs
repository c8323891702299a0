using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging.Abstractions;
using Mnemo.Grains.Memshack;
using Mnemo.Silo.Memshack;

namespace Mnemo.Silo.Hosting;

/// <summary><c>mnemo-silo dev-cluster</c>: runs N silos on loopback as node-0..N-1, each with a
/// DRAM-emulated pool, restarts any that dies (as a new generation) and stops them all gracefully
/// on Ctrl+C or SIGTERM.</summary>
public static class DevCluster
{
    public const int DefaultBasePort = SiloOptions.DefaultSiloPort;

    /// <summary>Where the Memshack manifests are looked for when <c>--manifests</c> is not given (relative to the working directory).</summary>
    public const string DefaultManifests = "k8s/samples";

    /// <summary>Options of node <paramref name="index"/> of an <paramref name="nodes"/>-node cluster:
    /// silo port base+i, health port base+10+i, data port base+20+i, and each Memshack's gateway on
    /// its <c>mcrouter_port</c>+i (the silos share one host).</summary>
    public static SiloOptions NodeOptions(int index, int nodes, string stateDir, int basePort, ulong poolCapacity, string? manifests)
    {
        var name = $"node-{index}";
        var nodeState = Path.Combine(stateDir, name);
        return new SiloOptions
        {
            NodeName = name,
            SiloPort = basePort + index,
            HealthPort = basePort + 10 + index,
            Peers = Enumerable.Range(0, nodes).Where(i => i != index).Select(i => $"127.0.0.1:{basePort + i}").ToArray(),
            StateDir = nodeState,
            PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(stateDir, name),
            PoolCapacity = poolCapacity,
            DataPort = basePort + 20 + index,
            MemshackManifests = manifests,
            MemshackPortOffset = index,
        };
    }

    public static async Task<int> RunAsync(string[] args)
    {
        int nodes = 3, basePort = DefaultBasePort;
        string stateDir = Path.Combine(".state", "dev");
        ulong capacity = 256UL << 20;
        string? manifests = Directory.Exists(DefaultManifests) ? DefaultManifests : null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{args[i]}' needs a value");
            switch (args[i])
            {
                case "--nodes": nodes = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--state": stateDir = Value(); break;
                case "--base-port": basePort = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--pool-capacity": capacity = ByteSize.Parse("POOL_CAPACITY", Value()); break;
                case "--manifests": manifests = Value(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}'; known: --nodes --state --base-port --pool-capacity --manifests");
            }
        }
        if (nodes is < 1 or > 10)
            throw new ArgumentException("--nodes must be between 1 and 10");
        if (manifests is not null && !Directory.Exists(manifests))
            throw new ArgumentException($"--manifests: folder '{manifests}' does not exist");
        // The silos run with their own working directory in mind; hand them an absolute path.
        manifests = manifests is null ? null : Path.GetFullPath(manifests);

        var output = new object();
        void Print(string line) { lock (output) Console.WriteLine(line); }

        var silos = Enumerable.Range(0, nodes)
            .Select(i => SiloProcess.Start(NodeOptions(i, nodes, stateDir, basePort, capacity, manifests), Print))
            .ToArray();
        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });

        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(60))));
            PrintSummary(silos.Select(s => s.Options).ToArray(), stateDir, manifests, Print);

            while (!stop.IsCancellationRequested)
            {
                await Task.WhenAny(Task.Delay(Timeout.Infinite, stop.Token), Task.WhenAny(silos.Select(s => s.WaitForExitAsync())));
                for (var i = 0; i < silos.Length && !stop.IsCancellationRequested; i++)
                {
                    if (!silos[i].HasExited)
                        continue;
                    var exited = silos[i];
                    Print($"[dev-cluster] {exited.Options.NodeName} exited with code {exited.ExitCode}; restarting it as a new generation");
                    await Task.Delay(TimeSpan.FromSeconds(1));
                    if (stop.IsCancellationRequested)
                        break;
                    silos[i] = SiloProcess.Start(exited.Options, Print);
                    exited.Dispose();
                }
            }
            return 0;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            Print("[dev-cluster] " + e.Message);
            return 1;
        }
        finally
        {
            Print("[dev-cluster] stopping the silos");
            await Task.WhenAll(silos.Select(s => s.StopAsync(TimeSpan.FromSeconds(30))));
            foreach (var silo in silos)
                silo.Dispose();
        }
    }

    private static void PrintSummary(SiloOptions[] silos, string stateDir, string? manifests, Action<string> print)
    {
        print("");
        print($"Mnemo dev cluster: {silos.Length} silos on loopback, state in {Path.GetFullPath(stateDir)}");
        foreach (var s in silos)
            print($"  {s.NodeName}: grain calls h2c {s.Host}:{s.SiloPort}  health http://{s.Host}:{s.HealthPort}/readyz  data plane {s.Host}:{s.DataPort}  pool {s.PoolPath} ({s.PoolCapacity >> 20} MiB)");
        PrintMemshacks(silos, manifests, print);
        var gateways = string.Join(',', silos.Select(s => $"{s.Host}:{s.SiloPort}"));
        print("Try (the CLI reads its gateways from --gateway or MNEMO_GATEWAY):");
        print($"  export MNEMO_GATEWAY={gateways}");
        print("  dotnet run --project Client/Cli -- list");
        print("  dotnet run --project Client/Cli -- usage -o json");
        print("Ctrl+C stops the cluster gracefully.");
        print("");
    }

    /// <summary>The memcached gateways of the Memshacks the silos serve (invalid manifests are reported in the silos' logs).</summary>
    private static void PrintMemshacks(SiloOptions[] silos, string? manifests, Action<string> print)
    {
        if (manifests is null)
        {
            print("No Memshack manifests (--manifests); no memcached gateway is served.");
            return;
        }
        var memshacks = MemshackManifestLoader.Load(manifests, silos.Length, NullLogger.Instance);
        foreach (var memshack in memshacks)
        {
            print($"Memshack {memshack.Namespace}/{memshack.Name} ({memshack.Spec.NumShards} shards x {memshack.Spec.NumReplicas} replicas, write quorum {memshack.Spec.WriteQuorum.ToManifestValue()}), from {manifests}:");
            foreach (var s in silos)
                print($"  {s.NodeName}: memcached gateway: {s.Host}:{memshack.Spec.McrouterPort + s.MemshackPortOffset}");
        }
        if (memshacks.Count > 0)
        {
            var port = memshacks[0].Spec.McrouterPort + silos[0].MemshackPortOffset;
            print("Try:");
            print($"  printf 'set a 0 0 1\\r\\nx\\r\\nget a\\r\\n' | nc -q1 {silos[0].Host} {port}");
            print($"  printf 'get a\\r\\n' | nc -q1 {silos[^1].Host} {memshacks[0].Spec.McrouterPort + silos[^1].MemshackPortOffset}   # same item through another silo");
            print($"  memccat --servers={silos[^1].Host}:{memshacks[0].Spec.McrouterPort + silos[^1].MemshackPortOffset} a");
            print($"  memcstat --servers={silos[0].Host}:{port}");
        }
    }
}
