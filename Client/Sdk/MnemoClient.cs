using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;
using Orleans.Configuration;
using Orleans.Serialization;

namespace Mnemo.Client;

/// <summary>
/// A connection to a Mnemo cluster: cache and Memshack calls over the silos' gRPC API (with failover across
/// <see cref="MnemoClientOptions.GrpcEndpoints"/>), and an Orleans client (its gateways from a static list or
/// from the membership resources in the Kubernetes API) with typed calls over Mnemo's grains. The Orleans
/// client connects on <see cref="ConnectAsync"/> or, for a client from <see cref="Create"/>, on the first grain call.
/// Applications that want more call the grains through <see cref="Cluster"/> directly.
/// </summary>
public sealed partial class MnemoClient : IAsyncDisposable
{
    private readonly MnemoClientOptions _options;
    private readonly GrpcEndpoints _grpc;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IHost? _host;

    private MnemoClient(MnemoClientOptions options)
    {
        _options = options;
        _grpc = new GrpcEndpoints(options.GrpcEndpoints, DiscoverGrpcEndpointsAsync);
    }

    /// <summary>The Orleans client: <c>Cluster.GetGrain&lt;INodeMemoryGrain&gt;("node-0")</c>; connected by <see cref="ConnectAsync"/> or the first grain call.</summary>
    public IClusterClient Cluster => _host?.Services.GetRequiredService<IClusterClient>()
        ?? throw new InvalidOperationException("the Orleans client is not connected: use MnemoClient.ConnectAsync");

    /// <summary>A client that connects nothing yet: gRPC calls open their channels, grain calls connect the Orleans client.</summary>
    public static MnemoClient Create(MnemoClientOptions options) => new(options);

    /// <summary>Connects the Orleans client; throws <see cref="ClusterUnreachableException"/> when no gateway answers within <see cref="MnemoClientOptions.ConnectTimeout"/>.</summary>
    public static async Task<MnemoClient> ConnectAsync(MnemoClientOptions options, CancellationToken cancellationToken = default)
    {
        var client = new MnemoClient(options);
        try
        {
            await client.OrleansAsync(cancellationToken);
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    private async Task<IClusterClient> OrleansAsync(CancellationToken cancellationToken = default)
    {
        if (_host is null)
        {
            await _connecting.WaitAsync(cancellationToken);
            try
            {
                _host ??= await StartOrleansAsync(_options, cancellationToken);
            }
            finally
            {
                _connecting.Release();
            }
        }
        return Cluster;
    }

    private static async Task<IHost> StartOrleansAsync(MnemoClientOptions options, CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        string source = options.Gateways.Count > 0 ? string.Join(", ", options.Gateways) : "the membership resources in the Kubernetes API";
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = options.ClusterId;
                cluster.ServiceId = "mnemo";
            });
            if (options.Gateways.Count > 0)
                client.UseStaticClustering(options.Gateways.Select(ParseEndPoint).ToArray());
            else
                client.UseKubernetesGatewayList(gateways =>
                {
                    gateways.Namespace = options.Namespace;
                    gateways.KubeconfigPath = options.Kubeconfig;
                });
            client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = options.CallTimeout);
            client.Services.Configure<ExceptionSerializationOptions>(exceptions => exceptions.SupportedNamespacePrefixes.Add("Mnemo"));
            client.UseConnectionRetryFilter(new DeadlineRetryFilter(DateTime.UtcNow + options.ConnectTimeout));
        });
        IHost host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            return host;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterUnreachableException($"no gateway of cluster '{options.ClusterId}' answered ({source}): {e.Message}", e);
        }
    }

    /// <summary>Every silo the membership table records, the dead incarnations included.</summary>
    public async Task<IReadOnlyList<MemberInfo>> GetMembersAsync()
    {
        IClusterClient cluster = await OrleansAsync();
        MembershipEntry[] hosts = await ReadAsync(() => cluster.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false));
        return hosts
            .OrderBy(h => h.SiloName, StringComparer.Ordinal).ThenByDescending(h => h.SiloAddress.Generation)
            .Select(h => new MemberInfo(h.SiloName, h.SiloAddress.Endpoint.ToString(), h.Status.ToString(), h.SiloAddress.Generation,
                new DateTimeOffset(h.StartTime, TimeSpan.Zero), new DateTimeOffset(h.IAmAliveTime, TimeSpan.Zero)))
            .ToList();
    }

    /// <summary>
    /// The gRPC endpoints of the Active silos, in node order, each asked of its silo through the Orleans client (whose
    /// gateways come from the options or the membership resources in the Kubernetes API). A silo that does not answer is left out.
    /// </summary>
    private async Task<IReadOnlyList<string>> DiscoverGrpcEndpointsAsync(CancellationToken cancellationToken)
    {
        IClusterClient cluster = await OrleansAsync(cancellationToken);
        MembershipEntry[] hosts = await ReadAsync(() => cluster.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true));
        string?[] endpoints = await Task.WhenAll(hosts.Select(h => h.SiloName).Distinct().Order(StringComparer.Ordinal).Select(async node =>
        {
            try
            {
                return await ReadAsync(cluster.GetGrain<INodeApiGrain>(node).GetGrpcEndpointAsync);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
            {
                return null;
            }
        }));
        return endpoints.OfType<string>().ToList();
    }

    /// <summary>Capacity and use of <paramref name="node"/>'s pool; fails with Mnemo's <c>NodeUnavailableException</c> when the node has no active silo.</summary>
    public async Task<NodeUsage> GetNodeUsageAsync(string node) => await ReadAsync((await OrleansAsync()).GetGrain<INodeMemoryGrain>(node).GetUsageAsync);

    /// <summary>The replicas of shard <paramref name="shard"/> of Memshack <paramref name="memshack"/> (<c>namespace/name</c>) and their states.</summary>
    public async Task<MemshackShardStatus> GetShardStatusAsync(string memshack, int shard) =>
        await ReadAsync((await OrleansAsync()).GetGrain<IMemshackShardGrain>($"{memshack}/{shard}").GetStatusAsync);

    /// <summary>
    /// Compares the replicas of every shard of Memshack <paramref name="memshack"/> (<c>namespace/name</c>),
    /// in shard order; empty when the cluster serves no such Memshack. Nothing is repaired.
    /// </summary>
    public async Task<IReadOnlyList<MemshackShardVerification>> VerifyAsync(string memshack)
    {
        IClusterClient cluster = await OrleansAsync();
        var shards = new List<MemshackShardVerification>();
        // The shard count is the served one: shards are asked in order until one is not served.
        while (true)
        {
            MemshackShardVerification shard = await ReadAsync(cluster.GetGrain<IMemshackShardGrain>($"{memshack}/{shards.Count}").VerifyAsync);
            if (!shard.Served)
                return shards;
            shards.Add(shard);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _grpc.Dispose();
        if (_host is null)
            return;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }

    /// <summary>
    /// Failover for reads: a request refused because its gateway has just died (the client learns it from
    /// that refusal) is sent again, and Orleans picks a live gateway. Reads are idempotent, so this is safe.
    /// </summary>
    private static async Task<T> ReadAsync<T>(Func<Task<T>> read)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await read();
            }
            catch (OrleansMessageRejectionException) when (attempt < GatewayAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }
    }

    private const int GatewayAttempts = 3;

    private static IPEndPoint ParseEndPoint(string text)
    {
        int colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out int port) || port is <= 0 or > 65535)
            throw new ArgumentException($"a gateway is host:port, got '{text}'");
        string host = text[..colon];
        IPAddress address = IPAddress.TryParse(host, out IPAddress? ip) ? ip : Dns.GetHostAddresses(host).First();
        return new IPEndPoint(address, port);
    }

    /// <summary>Retries the first connection until a deadline, instead of Orleans' fifteen attempts with growing pauses.</summary>
    private sealed class DeadlineRetryFilter(DateTime deadline) : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            if (DateTime.UtcNow >= deadline)
                return false;
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            return true;
        }
    }
}
