using System.Net;
using Microsoft.Extensions.Logging;
using Mnemo.DataPlane;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Silo;

/// <summary>
/// One data-plane connection per peer node, shared by the replicas of every shard held there. A
/// peer's data port is asked of the peer itself (its node grain), so silos need not agree on ports;
/// its address is the one its silo advertises in the membership table. Each connection presents this
/// silo's cluster id and node name, which the peer checks against its view of the membership, and
/// (unless TLS is off) authenticates with this node's certificate.
/// </summary>
public sealed class PeerDataConnections(IGrainFactory grains, ClusterNodes nodes, SiloSettings settings, NodeCredentials credentials, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);
    private readonly Dictionary<string, PeerConnection> _peers = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<PeerDataConnections>();

    /// <summary>The connection to <paramref name="node"/>'s data plane; retries until the peer tells its port.</summary>
    public async Task<PeerConnection> GetAsync(string node, CancellationToken cancellationToken)
    {
        lock (_peers)
        {
            if (_peers.TryGetValue(node, out PeerConnection? known))
                return known;
        }
        int port = await AskDataPortAsync(node, cancellationToken);
        IPAddress address = nodes.Current[node].SiloAddress.Endpoint.Address;
        lock (_peers)
        {
            if (!_peers.TryGetValue(node, out PeerConnection? connection))
            {
                var endPoint = new IPEndPoint(address, port);
                connection = new PeerConnection(endPoint, new PeerConnectionOptions { Identity = new PeerIdentity(settings.ClusterId, nodes.Self), Tls = credentials.DataPlane }, loggerFactory.CreateLogger<PeerConnection>());
                _peers.Add(node, connection);
                _logger.LogInformation("Replicas on {Node} are reached over its data plane at {EndPoint}", node, endPoint);
            }
            return connection;
        }
    }

    private async Task<int> AskDataPortAsync(string node, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await grains.GetGrain<IMemshackNodeGrain>(node).GetDataPortAsync().WaitAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogInformation("Waiting for {Node} to tell its data port: {Reason}", node, e.Message);
            }
            await Task.Delay(RetryDelay, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        PeerConnection[] connections;
        lock (_peers)
        {
            connections = [.. _peers.Values];
            _peers.Clear();
        }
        foreach (PeerConnection connection in connections)
            await connection.DisposeAsync();
    }
}
