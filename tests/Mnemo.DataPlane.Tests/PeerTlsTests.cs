using System.Buffers;
using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Mnemo.Kubernetes.Certificates;
using Xunit;

namespace Mnemo.DataPlane.Tests;

/// <summary>
/// The data plane under mutual TLS, with certificates of the cluster's issuer: members holding a
/// certificate of the cluster CA are served; a peer with another CA's certificate, with none, or with
/// a certificate for another node than it claims is refused at the handshake (and the server logs
/// why) before any request is read; a renewed certificate is used by new connections while the open
/// ones keep working.
/// </summary>
public sealed class PeerTlsTests : IAsyncLifetime
{
    private const string Stranger = "stranger-region";
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;
    private static readonly X509Certificate2 Authority = CertificateIssuer.CreateAuthority("mnemo-ca", Now, TimeSpan.FromDays(1));
    private static readonly X509Certificate2 OtherAuthority = CertificateIssuer.CreateAuthority("mnemo-ca", Now, TimeSpan.FromDays(1));
    private readonly ConcurrentQueue<string> _serverLog = new();
    private readonly ConcurrentQueue<string> _seenByServer = new();
    private readonly ConcurrentQueue<string> _seenByClients = new();
    private X509Certificate2 _serverCertificate = Issue(Authority, "node-a");
    private ILoggerFactory _logging = null!;
    private TestNode _node = null!;

    public async Task InitializeAsync()
    {
        _logging = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Warning).AddProvider(new RecordingLoggerProvider(_serverLog)));
        var tls = new PeerTls(() => _serverCertificate, presented => Verify(presented, _seenByServer));
        _node = await TestNode.StartAsync("node-a", tls: tls, logging: _logging);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _logging.Dispose();
    }

    [Fact]
    public async Task A_member_with_a_certificate_of_the_cluster_ca_is_served()
    {
        await using PeerConnection member = Connect("node-b", Issue(Authority, "node-b"));

        Assert.Equal(CacheStatus.Ok, (await member.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0)).Status);
        var value = new ArrayBufferWriter<byte>();
        Assert.Equal(CacheStatus.Ok, (await member.GetAsync(Bytes.Of(TestNode.RegionName), Bytes.Of("k"), value)).Status);
        Assert.Equal("v", Bytes.Text(value.WrittenSpan));
        Assert.Equal(1, member.Stats.Connects);
        Assert.Contains("CN=node-b", _seenByServer);
    }

    [Fact]
    public async Task A_peer_with_a_certificate_of_another_ca_is_refused_at_the_handshake_and_logged()
    {
        await using PeerConnection stranger = Connect("node-b", Issue(OtherAuthority, "node-b"));

        await AssertRefusedAsync(stranger);
        Assert.Contains(_serverLog, line => line.Contains("TLS handshake failed", StringComparison.Ordinal)
            && line.Contains("not valid under the cluster CA", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_peer_without_tls_is_refused()
    {
        await using PeerConnection plain = _node.Connect(TestNode.FastFailOptions with { Identity = new PeerIdentity("c1", "node-b") });

        await AssertRefusedAsync(plain);
        Assert.Contains(_serverLog, line => line.Contains("TLS handshake failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_certificate_of_one_node_cannot_claim_another()
    {
        await using PeerConnection impostor = Connect("node-b", Issue(Authority, "node-x"));

        await AssertRefusedAsync(impostor);
        Assert.Contains(_serverLog, line => line.Contains("'CN=node-x' is not issued to that node", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_refuses_a_server_whose_certificate_is_of_another_ca()
    {
        _serverCertificate = Issue(OtherAuthority, "node-a");
        await using PeerConnection member = Connect("node-b", Issue(Authority, "node-b"));

        await AssertRefusedAsync(member);
        // The client looked at the server's certificate and refused it.
        Assert.Contains(_serverCertificate.SerialNumber, _seenByClients);
    }

    [Fact]
    public async Task Renewed_certificates_are_used_by_new_connections_while_open_ones_keep_working()
    {
        X509Certificate2 clientCertificate = Issue(Authority, "node-b");
        X509Certificate2 current = clientCertificate;
        var client = new PeerTls(() => current, presented => Verify(presented, _seenByClients));
        await using PeerConnection open = _node.Connect(TestNode.FastFailOptions with { Identity = new PeerIdentity("c1", "node-b"), Tls = client });
        Assert.Equal(CacheStatus.Ok, (await open.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("1"), 0, 0)).Status);

        // Both ends renew.
        X509Certificate2 renewedServer = Issue(Authority, "node-a");
        _serverCertificate = renewedServer;
        current = Issue(Authority, "node-b");

        Assert.Equal(CacheStatus.Ok, (await open.StoreAsync(Bytes.Of(TestNode.RegionName), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("2"), 0, 0)).Status);
        Assert.Equal(1, open.Stats.Connects);
        await using PeerConnection next = _node.Connect(TestNode.FastFailOptions with { Identity = new PeerIdentity("c1", "node-b"), Tls = client });
        var value = new ArrayBufferWriter<byte>();
        Assert.Equal(CacheStatus.Ok, (await next.GetAsync(Bytes.Of(TestNode.RegionName), Bytes.Of("k"), value)).Status);
        Assert.Equal("2", Bytes.Text(value.WrittenSpan));

        Assert.Contains(current.SerialNumber, _seenByServer);
        Assert.Contains(renewedServer.SerialNumber, _seenByClients);
        Assert.Contains(clientCertificate.SerialNumber, _seenByServer);
    }

    private async Task AssertRefusedAsync(PeerConnection connection)
    {
        Assert.Equal(CacheStatus.Unavailable,
            (await connection.StoreAsync(Bytes.Of(Stranger), CacheStoreMode.Set, Bytes.Of("k"), Bytes.Of("v"), 0, 0)).Status);
        Assert.Equal(0, connection.Stats.Connects);
        Assert.Null(_node.Pool.FindRegion(Stranger));
    }

    private PeerConnection Connect(string node, X509Certificate2 certificate) =>
        _node.Connect(TestNode.FastFailOptions with
        {
            Identity = new PeerIdentity("c1", node),
            Tls = new PeerTls(() => certificate, presented => Verify(presented, _seenByClients)),
        });

    /// <summary>What a silo does: the cluster CA decides; what was presented is recorded (subject and serial).</summary>
    private static string? Verify(X509Certificate2 presented, ConcurrentQueue<string> seen)
    {
        seen.Enqueue(presented.Subject);
        seen.Enqueue(presented.SerialNumber);
        return ClusterTrust.Verify(presented, [Authority], DateTimeOffset.UtcNow);
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string node) => CertificateIssuer.IssueNode(authority, node, [], Now, TimeSpan.FromHours(1));

    private sealed class RecordingLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Recorder(lines);

        public void Dispose()
        {
        }

        private sealed class Recorder(ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue(formatter(state, exception));
        }
    }
}
