using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Mnemo.KubeApiServer;

/// <summary><c>mnemo-kube-api</c>: runs the embedded Kubernetes API on its own until Ctrl+C or SIGTERM.</summary>
internal static class Program
{
    private const string Usage = """
        usage: mnemo-kube-api [--host H] [--port P] [--state DIR] [--resources PATH]... [--kubeconfig FILE]

        Serves a Kubernetes-compatible API (plain HTTP, no authentication) for kubectl and KubernetesClient.

          --host H           address to listen on (default 127.0.0.1)
          --port P           port to listen on, 0 for a free one (default 6443)
          --state DIR        keep objects in DIR across restarts (default: in memory)
          --resources PATH   YAML file or folder of CRDs, Namespaces and other objects to apply at start-up (repeatable)
          --kubeconfig FILE  write a kubeconfig for this server to FILE
          -h, --help         print this help
        """;

    private static async Task<int> Main(string[] args)
    {
        KubeApiServerOptions options = new() { Port = 6443 };
        var resources = new List<string>();
        string? kubeconfig = null;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                Console.WriteLine(Usage);
                return 0;
            }
            if (arg is not ("--host" or "--port" or "--state" or "--resources" or "--kubeconfig"))
            {
                return Fail($"unknown option '{arg}'");
            }
            if (i + 1 >= args.Length)
            {
                return Fail($"option '{arg}' needs a value");
            }
            string value = args[++i];
            switch (arg)
            {
                case "--host":
                    options = options with { Host = value };
                    break;
                case "--port" when int.TryParse(value, out int port) && port is >= 0 and <= 65535:
                    options = options with { Port = port };
                    break;
                case "--port":
                    return Fail($"--port needs a number from 0 to 65535, not '{value}'");
                case "--state":
                    options = options with { StateDir = value };
                    break;
                case "--resources":
                    resources.Add(value);
                    break;
                default:
                    kubeconfig = value;
                    break;
            }
        }
        options = options with { ResourcePaths = resources };

        using ILoggerFactory loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        }));
        ILogger logger = loggerFactory.CreateLogger("mnemo-kube-api");
        using var stop = new CancellationTokenSource();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext signal)
        {
            signal.Cancel = true;
            stop.Cancel();
        }

        EmbeddedKubeApi api;
        try
        {
            api = await EmbeddedKubeApi.StartAsync(options, loggerFactory, stop.Token);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"mnemo-kube-api: {e.Message}");
            return 1;
        }
        await using (api)
        {
            if (kubeconfig is not null)
            {
                logger.LogInformation("kubeconfig written to {Path}", api.WriteKubeconfig(kubeconfig));
            }
            try
            {
                await Task.Delay(Timeout.Infinite, stop.Token);
            }
            catch (OperationCanceledException)
            {
                logger.LogInformation("Stopping");
            }
        }
        return 0;
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"mnemo-kube-api: {message}");
        Console.Error.WriteLine("run 'mnemo-kube-api --help' for usage");
        return 2;
    }
}
