using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mnemo.KubeApiServer;

/// <summary>
/// A Kubernetes API server in the process, on plain HTTP without authentication, for kubectl and
/// KubernetesClient: discovery, CRDs, CRUD, watch, patch (merge, strategic, JSON, server-side
/// apply), the status subresource and Tables. Objects are stored only; nothing runs them.
/// </summary>
public sealed class EmbeddedKubeApi : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ObjectStore store;
    private int disposed;

    private EmbeddedKubeApi(WebApplication app, ObjectStore store, Uri baseAddress)
    {
        this.app = app;
        this.store = store;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the server answers: <c>http://127.0.0.1:PORT</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>
    /// Loads the state (if any), applies <see cref="KubeApiServerOptions.ResourcePaths"/> and starts
    /// listening. A taken port throws an <see cref="IOException"/> saying "port N is already in use".
    /// </summary>
    public static async Task<EmbeddedKubeApi> StartAsync(KubeApiServerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggerFactory ??= NullLoggerFactory.Instance;
        ILogger logger = loggerFactory.CreateLogger("Mnemo.KubeApiServer");
        IPAddress address = ParseHost(options.Host);
        var store = new ObjectStore(options.StateDir, options.WatchHistoryLimit, options.BookmarkInterval);
        WebApplication? app = null;
        try
        {
            var registry = new ResourceRegistry(BuiltinResources.All);
            var crds = new CustomResourceDefinitions(registry);
            // Every create and update passes these in order.
            IAdmissionPlugin[] admission = [new ObjectMetaValidation(), new BuiltinDefaults(), crds, new CustomResourceSchemas()];
            var resources = new ResourceStore(store, registry, crds, admission, options.NamespaceCleanupDelay);
            foreach (var crd in resources.List(BuiltinResources.CustomResourceDefinitions, ObjectFilter.All).Items)
            {
                crds.Serve(crd);
            }
            resources.FinishTerminatingNamespaces();
            resources.EnsureNamespace("default");
            resources.EnsureNamespace("kube-system");
            ResourceFiles.Apply(options.ResourcePaths, registry, resources, logger);

            WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "mnemo-kube-api" });
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
            // Kestrel's and the host's own start-up lines ("Now listening on", "Application started") are noise here.
            builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            // A failed start (a taken port) is thrown to the caller; the host's own report of it is a stack trace.
            builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.Critical);
            builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
            builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
            builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            {
                kestrel.AddServerHeader = false;
                kestrel.Limits.MaxRequestBodySize = RequestBody.MaxBytes;
                kestrel.Listen(address, options.Port);
            });
            app = builder.Build();
            var endpoints = new Endpoints(registry, resources, logger, app.Lifetime.ApplicationStopping);
            app.Run(endpoints.HandleAsync);
            app.Lifetime.ApplicationStopping.Register(store.CloseWatches);
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch (IOException e) when (e.InnerException is AddressInUseException)
            {
                throw new IOException($"port {options.Port} is already in use", e);
            }
            string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var baseAddress = new UriBuilder(new Uri(bound)) { Host = ClientHost(address) }.Uri;
            logger.LogInformation("Kubernetes API listening on {Address}{State}", baseAddress.GetLeftPart(UriPartial.Authority),
                options.StateDir is null ? " (state in memory)" : $" (state in {Path.GetFullPath(options.StateDir)})");
            return new EmbeddedKubeApi(app, store, baseAddress);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }
            store.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a kubeconfig for this server and returns its path. It has no user entry at all:
    /// KubernetesClient rejects an empty user, and plain HTTP needs none.
    /// </summary>
    public string WriteKubeconfig(string path, string @namespace = "default")
    {
        string fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        string server = BaseAddress.GetLeftPart(UriPartial.Authority);
        File.WriteAllText(fullPath, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: mnemo
              cluster:
                server: {server}
            contexts:
            - name: mnemo
              context:
                cluster: mnemo
                namespace: {@namespace}
            current-context: mnemo
            preferences: {"{}"}

            """);
        return fullPath;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        store.CloseWatches();
        await app.StopAsync();
        await app.DisposeAsync();
        store.Dispose();
    }

    private static IPAddress ParseHost(string host) =>
        host.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
        : IPAddress.TryParse(host, out IPAddress? address) ? address
        : throw new ArgumentException($"host '{host}' is not an IP address or localhost", nameof(host));

    // A server listening on every address is reached through loopback.
    private static string ClientHost(IPAddress address) =>
        address.Equals(IPAddress.Any) ? "127.0.0.1"
        : address.Equals(IPAddress.IPv6Any) ? "[::1]"
        : address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]"
        : address.ToString();
}
