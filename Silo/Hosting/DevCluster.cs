using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Mnemo.Api;
using Mnemo.KubeApiServer;

namespace Mnemo.Silo;

/// <summary><c>mnemo-silo dev-cluster</c>: the local cluster. It starts the embedded Kubernetes API
/// (Mnemo's CRDs registered, state kept under the state folder), writes a kubeconfig for it, applies
/// the sample resources that are not there yet, then runs N silos on loopback as node-0..N-1 that find
/// each other through the API. A silo that dies after it was ready is restarted (a new generation);
/// one that cannot start stops the cluster with its reason. Ctrl+C or SIGTERM stops everything gracefully.</summary>
public static class DevCluster
{
    public const int DefaultBasePort = SiloSettings.DefaultSiloPort;
    public const int DefaultApiPort = 6443;
    public const string ClusterId = SiloSettings.DefaultClusterId;

    private const string Usage = """
        mnemo-silo dev-cluster: the local cluster (the embedded Kubernetes API and N silos on loopback)

        usage: mnemo-silo dev-cluster [options]
          --nodes N             silos node-0..N-1 (default 3, at most 10)
          --state DIR           state folder: API objects, kubeconfig, pools when /dev/shm is not writable (default .state/dev)
          --base-port P         silo i listens on P+i (Orleans), P+10+i (health), P+20+i (data plane), P+30+i (Orleans gateway), P+40+i (gRPC) (default 11111)
          --api-port P          the embedded Kubernetes API (default 6443)
          --pool-capacity SIZE  each node's DRAM-emulated pool, a Kubernetes quantity (default 256Mi)
          --crds DIR            CustomResourceDefinitions to register (default k8s/crds)
          --samples DIR         resources applied at start when missing (default k8s/samples)
        """;

    /// <summary>Settings of node <paramref name="index"/>: silo port base+i, health base+10+i, data base+20+i,
    /// Orleans gateway base+30+i, gRPC base+40+i, and each Memshack's gateway on its <c>mcrouter_port</c>+i (the silos share one host).</summary>
    public static SiloSettings NodeSettings(int index, int nodes, string stateDir, int basePort, ulong poolCapacity, string kubeconfig)
    {
        var name = $"node-{index}";
        return new SiloSettings
        {
            NodeName = name,
            SiloPort = basePort + index,
            HealthPort = basePort + 10 + index,
            DataPort = basePort + 20 + index,
            GatewayPort = basePort + 30 + index,
            Grpc = new GrpcGatewayOptions { Port = basePort + 40 + index },
            ClusterId = ClusterId,
            Kubeconfig = kubeconfig,
            Nodes = Enumerable.Range(0, nodes).Select(i => $"node-{i}").ToArray(),
            StateDir = Path.Combine(stateDir, name),
            PoolPath = NodePoolLoader.DefaultEmulatedPoolPath(stateDir, name),
            PoolCapacity = poolCapacity,
            MemshackPortOffset = index,
        };
    }

    public static async Task<int> RunAsync(string[] args)
    {
        int nodes = 3, basePort = DefaultBasePort, apiPort = DefaultApiPort;
        string stateDir = Path.Combine(".state", "dev"), crds = Path.Combine("k8s", "crds"), samples = Path.Combine("k8s", "samples");
        ulong capacity = 256UL << 20;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"option '{args[i]}' needs a value");
            int Number() => int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw new ArgumentException($"option '{args[i - 1]}' needs a number");
            switch (args[i])
            {
                case "--help" or "-h": Console.Write(Usage); return 0;
                case "--nodes": nodes = Number(); break;
                case "--state": stateDir = Value(); break;
                case "--base-port": basePort = Number(); break;
                case "--api-port": apiPort = Number(); break;
                case "--pool-capacity": capacity = SiloSettings.ParseSize("POOL_CAPACITY", Value()); break;
                case "--crds": crds = Value(); break;
                case "--samples": samples = Value(); break;
                default: throw new ArgumentException($"unknown option '{args[i]}' (mnemo-silo dev-cluster --help lists the options)");
            }
        }
        if (nodes is < 1 or > 10)
            throw new ArgumentException("--nodes must be between 1 and 10");
        if (!Directory.Exists(crds))
            throw new ArgumentException($"--crds: folder '{crds}' does not exist (run from the repository root)");

        stateDir = Path.GetFullPath(stateDir);
        Directory.CreateDirectory(stateDir);
        string kubeconfig = Path.Combine(stateDir, "kubeconfig");
        SiloSettings[] settings = Enumerable.Range(0, nodes).Select(i => NodeSettings(i, nodes, stateDir, basePort, capacity, kubeconfig)).ToArray();
        PortCheck.EnsureFree(IPAddress.Loopback, settings
            .SelectMany(s => new[] { (s.SiloPort, $"{s.NodeName} Orleans silo"), (s.HealthPort, $"{s.NodeName} health"), (s.DataPort, $"{s.NodeName} data plane"), (s.GatewayPort, $"{s.NodeName} Orleans gateway"), (s.Grpc.Port, $"{s.NodeName} gRPC") })
            .Prepend((apiPort, "Kubernetes API")));
        // make clean removes the pools outside the state folder by this list.
        await File.WriteAllLinesAsync(Path.Combine(stateDir, "pool-files"), settings.Select(s => s.PoolPath));

        var output = new object();
        void Print(string line) { lock (output) Console.WriteLine(line); }
        using var logging = LoggerFactory.Create(b => b.AddSimpleConsole(c => { c.SingleLine = true; c.TimestampFormat = "HH:mm:ss.fff "; })
            .AddFilter("Microsoft", LogLevel.Warning));

        await using EmbeddedKubeApi api = await EmbeddedKubeApi.StartAsync(new KubeApiServerOptions
        {
            Port = apiPort,
            StateDir = Path.Combine(stateDir, "kube-api"),
            ResourcePaths = [Path.GetFullPath(crds)],
        }, logging);
        api.WriteKubeconfig(kubeconfig);
        IReadOnlyList<string> applied = Directory.Exists(samples) ? await SampleResources.ApplyMissingAsync(api.BaseAddress, samples) : [];

        using var stop = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => { context.Cancel = true; stop.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => { context.Cancel = true; stop.Cancel(); });
        var silos = settings.Select(s => SiloProcess.Start(s, Print)).ToArray();
        try
        {
            await Task.WhenAll(silos.Select(s => s.WaitUntilReadyAsync(TimeSpan.FromSeconds(90))));
            PrintSummary(settings, api.BaseAddress, kubeconfig, stateDir, applied, Print);

            while (!stop.IsCancellationRequested)
            {
                await Task.WhenAny(Task.Delay(Timeout.Infinite, stop.Token), Task.WhenAny(silos.Select(s => s.WaitForExitAsync())));
                for (var i = 0; i < silos.Length && !stop.IsCancellationRequested; i++)
                {
                    if (!silos[i].HasExited)
                        continue;
                    var exited = silos[i];
                    Print($"[dev-cluster] {exited.Settings.NodeName} exited with code {exited.ExitCode}; restarting it as a new generation");
                    silos[i] = SiloProcess.Start(exited.Settings, Print);
                    exited.Dispose();
                    await silos[i].WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
                }
            }
            return 0;
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            Print("[dev-cluster] " + e.Message + "; stopping (the silo's own lines above say why)");
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

    private static void PrintSummary(SiloSettings[] silos, Uri api, string kubeconfig, string stateDir, IReadOnlyList<string> applied, Action<string> print)
    {
        print("");
        print($"Mnemo dev cluster: {silos.Length} silos on loopback, state in {stateDir}");
        print($"  Kubernetes API: {api}  (kubeconfig {kubeconfig})");
        foreach (var s in silos)
            print($"  {s.NodeName}: Orleans silo {s.Host}:{s.SiloPort}, gateway {s.Host}:{s.GatewayPort}, health http://{s.Host}:{s.HealthPort}/readyz, data plane {s.Host}:{s.DataPort}, gRPC 127.0.0.1:{s.Grpc.Port}, pool {s.PoolPath} ({s.PoolCapacity >> 20} MiB)");
        if (applied.Count > 0)
            print($"  applied: {string.Join(", ", applied)}");
        print("Memshacks are served on mcrouter_port + node index by every silo (node-0 on the port itself).");
        print("Try:");
        print($"  export KUBECONFIG={kubeconfig}");
        print("  kubectl get silos            # the Orleans members and their status");
        print("  kubectl get memshacks        # kubectl apply / delete a Memshack and the silos follow");
        print($"  export MNEMO_GATEWAY={string.Join(',', silos.Select(s => $"{s.Host}:{s.GatewayPort}"))}");
        print("  mnemo list; mnemo usage      # the CLI (make run puts it on a PATH it prints)");
        print("  printf 'set a 0 0 1\\r\\nx\\r\\n' | nc -q1 127.0.0.1 5000; printf 'get a\\r\\n' | nc -q1 127.0.0.1 5002");
        print("Ctrl+C stops the cluster gracefully.");
        print("");
    }
}
