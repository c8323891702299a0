using Mnemo.Runtime;
using Mnemo.Runtime.Invocation;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Proxies;
using Mnemo.Runtime.Transport;

namespace Mnemo.Client;

/// <summary>A connection to a Mnemo cluster through its gateways (any silo). Grain references come
/// from <see cref="GetGrain{TGrainInterface}(string)"/>; every call goes to the current gateway,
/// which routes it to the grain's silo.</summary>
public sealed class ClusterClient : IGrainFactory, IDisposable
{
    private readonly Http2MessageTransport _transport;
    private readonly GatewayList _gateways;
    private readonly GrainFactory _grains;
    private readonly ClusterClientOptions _options;

    private ClusterClient(ClusterClientOptions options)
    {
        _options = options;
        _gateways = new GatewayList(options.Gateways, options.GatewayRetryDelay);
        _transport = new Http2MessageTransport(options.Transport);
        var caller = new RemoteGrainCaller(
            new GatewayFailoverTransport(_transport, _gateways),
            new GrainCallOptions { DefaultDeadline = options.DefaultDeadline },
            self: null);
        _grains = new GrainFactory(new GatewayGrainCallInvoker(caller, _ => _gateways.Select()));
    }

    /// <summary>Checks that a gateway answers (asking it for the member list) and returns a client.
    /// Throws <see cref="ClusterUnreachableException"/> when none does.</summary>
    public static async Task<ClusterClient> ConnectAsync(ClusterClientOptions options, CancellationToken cancellationToken = default)
    {
        var client = new ClusterClient(options);
        try
        {
            await client.GetMembersAsync(cancellationToken);
            return client;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey => _grains.GetGrain<TGrainInterface>(key);

    public TGrainInterface GetGrain<TGrainInterface>(long key) where TGrainInterface : IGrainWithIntegerKey => _grains.GetGrain<TGrainInterface>(key);

    public TGrainInterface GetGrain<TGrainInterface>(Guid key) where TGrainInterface : IGrainWithGuidKey => _grains.GetGrain<TGrainInterface>(key);

    /// <summary>The cluster's members as a live gateway sees them, trying each gateway in turn.</summary>
    public async Task<IReadOnlyList<ClusterMember>> GetMembersAsync(CancellationToken cancellationToken = default)
    {
        var failures = new List<string>();
        for (var attempt = 0; attempt < _gateways.All.Count; attempt++)
        {
            var gateway = _gateways.Select();
            try
            {
                var response = await _transport.GetMembersAsync(gateway, _options.ConnectTimeout, cancellationToken);
                _gateways.MarkUp(gateway);
                return response.Members
                    .Select(m => new ClusterMember(
                        m.Address.NodeName, $"{m.Address.Host}:{m.Address.Port}", StatusName(m.Status), m.Address.Generation,
                        m.ActivationCount, DateTimeOffset.FromUnixTimeMilliseconds(m.SinceUnixMs)))
                    .ToList();
            }
            catch (Exception e) when (e is SiloUnavailableException or RpcStatusException)
            {
                _gateways.MarkDown(gateway);
                failures.Add($"{gateway.Endpoint}: {(e is SiloUnavailableException u ? u.InnerException?.Message ?? u.Message : e.Message)}");
            }
        }
        throw new ClusterUnreachableException($"no gateway answered ({string.Join("; ", failures)})");
    }

    private static string StatusName(Runtime.Messages.MemberStatus status) => status switch
    {
        Runtime.Messages.MemberStatus.Joining => "Joining",
        Runtime.Messages.MemberStatus.Active => "Active",
        Runtime.Messages.MemberStatus.ShuttingDown => "ShuttingDown",
        _ => "Dead",
    };

    public void Dispose() => _transport.Dispose();
}
