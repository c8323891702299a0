using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Mnemo.Api;
using Mnemo.Api.V1;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>The gRPC API with a replica down, and over TLS; each test runs its own cluster.</summary>
public sealed class GrpcGatewayFaultTests
{
    private static readonly MemshackName Strict = new() { Namespace = "default", Name = "strict" };

    [Fact]
    public async Task Writes_a_down_replica_misses_get_unavailable_while_reads_fail_over()
    {
        await using MemshackCluster memshacks = await MemshackCluster.StartAsync();
        using GrpcChannel channel = GrpcChannel.ForAddress(memshacks.Cluster.GrpcAddress(0));
        var cache = new Api.V1.Cache.CacheClient(channel);
        string[] keys = Enumerable.Range(0, 30).Select(i => $"down:{i}").ToArray();
        foreach (string key in keys)
            await cache.SetAsync(new SetRequest { Memshack = Strict, Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8("v1") });
        var memshacksClient = new Api.V1.Memshacks.MemshacksClient(channel);
        DescribeMemshackResponse map = await memshacksClient.DescribeAsync(new DescribeMemshackRequest { Memshack = Strict });

        await memshacks.Cluster.KillAsync(2);

        int unavailable = 0;
        await using MemcachedTextClient memcached = await MemcachedTextClient.ConnectAsync(memshacks.GatewayPort(MemshackCluster.Strict, 0));
        foreach (string key in keys)
        {
            (int shard, _) = await memcached.RouteAsync(key);
            bool onDownNode = map.Shards[shard].Replicas.Any(r => r.Node == "node-2");
            try
            {
                await cache.SetAsync(new SetRequest { Memshack = Strict, Key = ByteString.CopyFromUtf8(key), Value = ByteString.CopyFromUtf8("v2") });
                Assert.False(onDownNode, $"{key} (shard {shard}) was written with quorum all while a replica's node was down");
            }
            catch (RpcException e)
            {
                Assert.True(onDownNode, $"{key} (shard {shard}): {e.Status}");
                Assert.Equal(StatusCode.Unavailable, e.StatusCode);
                Assert.Equal("REPLICAS_UNAVAILABLE", e.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
                unavailable++;
            }
            // Every shard keeps a replica: the read is served, the old or the new value.
            string read = (await cache.GetAsync(new GetRequest { Memshack = Strict, Key = ByteString.CopyFromUtf8(key) })).Item.Value.ToStringUtf8();
            Assert.Contains(read, new[] { "v1", "v2" });
        }
        Assert.InRange(unavailable, 1, keys.Length - 1);

        DescribeMemshackResponse after = await memshacksClient.DescribeAsync(new DescribeMemshackRequest { Memshack = Strict });
        Assert.False(after.Summary.InSync);
        Assert.Contains(after.Shards.SelectMany(s => s.Replicas), r => r.Node == "node-2" && r.Condition != ReplicaCondition.InSync);
    }

    [Fact]
    public async Task With_a_certificate_the_silo_serves_grpc_over_tls()
    {
        string folder = Directory.CreateTempSubdirectory("mnemo-grpc-tls").FullName;
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=mnemo-test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            string certificatePath = Path.Combine(folder, "tls.crt"), keyPath = Path.Combine(folder, "tls.key");
            await File.WriteAllTextAsync(certificatePath, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

            await using TestCluster cluster = await TestCluster.StartAsync(1, (_, settings) =>
                settings with { Grpc = settings.Grpc with { CertificatePath = certificatePath, CertificateKeyPath = keyPath } });
            var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(certificate.RawData);
            using GrpcChannel channel = GrpcChannel.ForAddress($"https://127.0.0.1:{cluster.Settings[0].Grpc.Port}", new GrpcChannelOptions { HttpHandler = handler });

            HealthCheckResponse health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
            ListMembersResponse members = await new Api.V1.Memory.MemoryClient(channel).ListMembersAsync(new ListMembersRequest());
            Assert.Equal("node-0", members.Members.Single().Node);

            // Cleartext on the TLS port is refused.
            using GrpcChannel cleartext = GrpcChannel.ForAddress($"http://127.0.0.1:{cluster.Settings[0].Grpc.Port}");
            await Assert.ThrowsAsync<RpcException>(() => new Health.HealthClient(cleartext).CheckAsync(new HealthCheckRequest()).ResponseAsync);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
