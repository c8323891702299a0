using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Reflection.V1Alpha;
using Mnemo.Api.V1;
using Mnemo.Tests.Shared;
using Xunit;
using static Mnemo.Cluster.Tests.GrpcClusterFixture;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// The gRPC API of real silo processes: cache calls take the memcached gateway's route (what one
/// writes the other reads, on any node), errors carry their status and google.rpc.Status details,
/// limits and deadlines answer with their status and the server keeps serving, and health,
/// reflection and the status services answer. A client Mnemo did not write (@grpc/grpc-js) calls it too,
/// down to a snapshot Export read to its end and compared with the CLI's file.
/// </summary>
public sealed class GrpcGatewayTests(GrpcClusterFixture fixture) : IClassFixture<GrpcClusterFixture>
{
    private static ByteString Bytes(string text) => ByteString.CopyFromUtf8(text);

    [Fact]
    public async Task Set_get_touch_incr_delete_and_get_many_work_through_any_node()
    {
        Api.V1.Cache.CacheClient node0 = fixture.Cache(0), node1 = fixture.Cache(1), node2 = fixture.Cache(2);
        SetResponse set = await node0.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("grpc:a"), Value = Bytes("alpha"), Flags = 42 });
        Assert.NotEqual(0UL, set.Cas);

        GetResponse get = await node1.GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("grpc:a") });
        Assert.Equal("alpha", get.Item.Value.ToStringUtf8());
        Assert.Equal(42U, get.Item.Flags);
        Assert.Equal(set.Cas, get.Item.Cas);
        Assert.Equal(0, get.Item.ExpiresAt);

        await node2.TouchAsync(new TouchRequest { Memshack = Strict, Key = Bytes("grpc:a"), TtlSeconds = 3600 });
        long expiresAt = (await node0.GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("grpc:a") })).Item.ExpiresAt;
        Assert.InRange(expiresAt - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 3500, 3601);

        // Past 30 days a TTL is still a duration (memcached would read the number as a unix time).
        await node1.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("grpc:long"), Value = Bytes("x"), TtlSeconds = 40 * 86400 });
        long longExpiry = (await node2.GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("grpc:long") })).Item.ExpiresAt;
        Assert.InRange(longExpiry - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 40 * 86400 - 100, 40 * 86400 + 1);

        await node0.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("grpc:n"), Value = Bytes("10") });
        Assert.Equal(15UL, (await node1.IncrAsync(new IncrRequest { Memshack = Strict, Key = Bytes("grpc:n"), Delta = 5 })).Value);
        Assert.Equal(12UL, (await node2.IncrAsync(new IncrRequest { Memshack = Strict, Key = Bytes("grpc:n"), Delta = 3, Decrement = true })).Value);
        Assert.Equal("12", (await node0.GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("grpc:n") })).Item.Value.ToStringUtf8());

        string[] keys = Enumerable.Range(0, 40).Select(i => $"grpc:many:{i}").ToArray();
        foreach (string key in keys.Where((_, i) => i % 2 == 0))
            await node0.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes(key), Value = Bytes("v " + key) });
        GetManyResponse many = await node1.GetManyAsync(new GetManyRequest { Memshack = Strict, Keys = { keys.Select(Bytes) } });
        Assert.Equal(keys.Where((_, i) => i % 2 == 0), many.Items.Select(i => i.Key.ToStringUtf8()));
        Assert.All(many.Items, i => Assert.Equal("v " + i.Key.ToStringUtf8(), i.Value.ToStringUtf8()));

        await node2.DeleteAsync(new DeleteRequest { Memshack = Strict, Key = Bytes("grpc:a") });
        RpcException gone = await Assert.ThrowsAsync<RpcException>(() => node0.GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("grpc:a") }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);
        Assert.Equal("KEY_NOT_FOUND", gone.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
    }

    [Fact]
    public async Task A_value_set_over_grpc_is_read_through_the_memcached_gateway_and_the_other_way_round()
    {
        SetResponse set = await fixture.Cache(0).SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("both:grpc"), Value = Bytes("written by gRPC"), Flags = 3 });
        await using (MemcachedTextClient memcached = await MemcachedTextClient.ConnectAsync(fixture.Memshacks.GatewayPort(MemshackCluster.Strict, 2)))
        {
            Assert.Equal("written by gRPC", await memcached.GetAsync("both:grpc"));
            Assert.Equal(set.Cas, (await memcached.GetsAsync("both:grpc"))!.Value.Cas);
            Assert.Equal("STORED", await memcached.SetAsync("both:memcached", "written by memcached"));
        }
        foreach (int node in new[] { 0, 1, 2 })
        {
            GetResponse get = await fixture.Cache(node).GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("both:memcached") });
            Assert.Equal("written by memcached", get.Item.Value.ToStringUtf8());
        }
    }

    [Fact]
    public async Task Errors_carry_their_status_code_and_google_rpc_details()
    {
        Api.V1.Cache.CacheClient cache = fixture.Cache(1);

        RpcException unknown = await Assert.ThrowsAsync<RpcException>(() =>
            cache.GetAsync(new GetRequest { Memshack = new MemshackName { Namespace = "default", Name = "nope" }, Key = Bytes("k") }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Google.Rpc.Status details = unknown.GetRpcStatus()!;
        Assert.Equal((int)Code.NotFound, details.Code);
        ErrorInfo info = details.GetDetail<ErrorInfo>();
        Assert.Equal(("mnemo.dev", "MEMSHACK_NOT_FOUND", "default/nope"), (info.Domain, info.Reason, info.Metadata["memshack"]));
        Assert.Equal("default/nope", details.GetDetail<ResourceInfo>().ResourceName);

        RpcException noName = await Assert.ThrowsAsync<RpcException>(() => cache.GetAsync(new GetRequest { Key = Bytes("k") }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, noName.StatusCode);
        Assert.Equal("memshack.name", noName.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field);

        RpcException badKey = await Assert.ThrowsAsync<RpcException>(() =>
            cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes(new string('k', 251)), Value = Bytes("v") }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, badKey.StatusCode);
        Assert.Equal("key", badKey.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field);

        SetResponse set = await cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("err:cas"), Value = Bytes("1") });
        RpcException mismatch = await Assert.ThrowsAsync<RpcException>(() =>
            cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("err:cas"), Value = Bytes("2"), Cas = set.Cas + 1 }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, mismatch.StatusCode);
        Assert.Equal("CAS_MISMATCH", mismatch.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);
        SetResponse casSet = await cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("err:cas"), Value = Bytes("2"), Cas = set.Cas });
        Assert.NotEqual(set.Cas, casSet.Cas);

        RpcException exists = await Assert.ThrowsAsync<RpcException>(() =>
            cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("err:cas"), Value = Bytes("3"), Mode = SetMode.Add }).ResponseAsync);
        Assert.Equal(StatusCode.AlreadyExists, exists.StatusCode);
        RpcException missing = await Assert.ThrowsAsync<RpcException>(() =>
            cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("err:absent"), Value = Bytes("3"), Mode = SetMode.Replace }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);

        await cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("err:text"), Value = Bytes("not a number") });
        RpcException nonNumeric = await Assert.ThrowsAsync<RpcException>(() =>
            cache.IncrAsync(new IncrRequest { Memshack = Strict, Key = Bytes("err:text"), Delta = 1 }).ResponseAsync);
        Assert.Equal(StatusCode.FailedPrecondition, nonNumeric.StatusCode);
        Assert.Equal("NOT_NUMERIC", nonNumeric.GetRpcStatus()!.GetDetail<ErrorInfo>().Reason);

        RpcException emptyKey = await Assert.ThrowsAsync<RpcException>(() =>
            cache.GetManyAsync(new GetManyRequest { Memshack = Strict, Keys = { Bytes("err:text"), ByteString.Empty } }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, emptyKey.StatusCode);
        Assert.Equal("keys[1]", emptyKey.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field);

        RpcException negativeTtl = await Assert.ThrowsAsync<RpcException>(() =>
            cache.TouchAsync(new TouchRequest { Memshack = Strict, Key = Bytes("err:text"), TtlSeconds = -1 }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, negativeTtl.StatusCode);
    }

    [Fact]
    public async Task Oversized_values_get_their_status_and_the_server_keeps_serving()
    {
        Api.V1.Cache.CacheClient cache = fixture.Cache(0);
        // Over the gateway's 4 MiB message limit: refused before it is parsed.
        RpcException tooBig = await Assert.ThrowsAsync<RpcException>(() =>
            cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("big"), Value = ByteString.CopyFrom(new byte[5 << 20]) }).ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, tooBig.StatusCode);

        // Under the message limit, over the pool's 1 MiB item size.
        RpcException tooLarge = await Assert.ThrowsAsync<RpcException>(() =>
            cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("big"), Value = ByteString.CopyFrom(new byte[(1 << 20) + 1]) }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, tooLarge.StatusCode);
        Assert.Equal("value", tooLarge.GetRpcStatus()!.GetDetail<BadRequest>().FieldViolations.Single().Field);

        byte[] fits = Enumerable.Range(0, 512 << 10).Select(i => (byte)i).ToArray();
        await cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("big"), Value = ByteString.CopyFrom(fits) });
        Assert.Equal(fits, (await cache.GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("big") })).Item.Value.ToByteArray());
    }

    [Fact]
    public async Task A_call_past_its_deadline_gets_deadline_exceeded_from_the_server()
    {
        // A raw HTTP/2 call, so the status comes from the server rather than from a client's own timer.
        using var http = new HttpClient();
        byte[] message = new GetRequest { Memshack = Strict, Key = Bytes("deadline") }.ToByteArray();
        var body = new byte[5 + message.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(1), message.Length);
        message.CopyTo(body, 5);

        (HttpResponseMessage response, string? status) = await RawCallAsync(http, body, "application/grpc", timeout: "1u");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(((int)StatusCode.DeadlineExceeded).ToString(), status);

        (response, status) = await RawCallAsync(http, body, "application/grpc", timeout: "10S");
        Assert.Equal(((int)StatusCode.NotFound).ToString(), status);

        // The Grpc.Net.Client deadline ends the call too, and the channel serves on.
        RpcException expired = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Cache(0).GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("deadline") }, deadline: DateTime.UtcNow.AddMilliseconds(-1)).ResponseAsync);
        Assert.Equal(StatusCode.DeadlineExceeded, expired.StatusCode);
    }

    [Fact]
    public async Task A_wrong_content_type_is_refused_with_415()
    {
        using var http = new HttpClient();
        (HttpResponseMessage response, string? status) = await RawCallAsync(http, Encoding.UTF8.GetBytes("{}"), "application/json", timeout: null);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(((int)StatusCode.Internal).ToString(), status);
    }

    [Fact]
    public async Task Health_answers_for_the_server_and_per_memshack()
    {
        var health = new Health.HealthClient(fixture.Channels[2]);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest())).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest { Service = "mnemo.v1.Cache" })).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest { Service = "mnemo.v1.Cache/default/strict" })).Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving,
            (await health.CheckAsync(new HealthCheckRequest { Service = "mnemo.v1.Cache/default/lenient" })).Status);
        // The invalid Memshack of the cluster is not served.
        RpcException broken = await Assert.ThrowsAsync<RpcException>(() =>
            health.CheckAsync(new HealthCheckRequest { Service = "mnemo.v1.Cache/default/broken" }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, broken.StatusCode);
    }

    [Fact]
    public async Task Reflection_lists_the_services()
    {
        var reflection = new ServerReflection.ServerReflectionClient(fixture.Channels[0]);
        using AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse> call = reflection.ServerReflectionInfo();
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        string[] services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).Order().ToArray();
        Assert.Equal(["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", "mnemo.v1.Cache", "mnemo.v1.Memory",
            "mnemo.v1.Memshacks", "mnemo.v1.Snapshots"], services);

        // The Snapshots service's descriptor, as a generic client reads it: every method with its streaming.
        using AsyncDuplexStreamingCall<ServerReflectionRequest, ServerReflectionResponse> symbol = reflection.ServerReflectionInfo();
        await symbol.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "mnemo.v1.Snapshots" });
        await symbol.RequestStream.CompleteAsync();
        Assert.True(await symbol.ResponseStream.MoveNext(CancellationToken.None));
        Google.Protobuf.Reflection.ServiceDescriptorProto snapshots = symbol.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(b => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(b)).SelectMany(f => f.Service).Single(s => s.Name == "Snapshots");
        Assert.Equal([("Create", false, false), ("List", false, false), ("Get", false, false), ("Restore", false, false), ("Delete", false, false),
            ("Watch", false, true), ("Export", false, true), ("Import", true, false)], snapshots.Method.Select(m => (m.Name, m.ClientStreaming, m.ServerStreaming)));
    }

    [Fact]
    public async Task Memshacks_describe_the_shard_map_the_memcached_gateway_routes_by()
    {
        var memshacks = new Api.V1.Memshacks.MemshacksClient(fixture.Channels[1]);
        ListMemshacksResponse list = await memshacks.ListAsync(new ListMemshacksRequest());
        Assert.Equal(["default/lenient", "default/strict"], list.Memshacks.Select(m => $"{m.Memshack.Namespace}/{m.Memshack.Name}"));
        MemshackSummary strict = list.Memshacks.Single(m => m.Memshack.Name == "strict");
        Assert.Equal((3, 2, fixture.Memshacks.GatewayPort(MemshackCluster.Strict, 1), true), (strict.Shards, strict.Replicas, strict.MemcachedPort, strict.InSync));

        DescribeMemshackResponse described = await memshacks.DescribeAsync(new DescribeMemshackRequest { Memshack = new MemshackName { Name = "strict" } });
        Assert.Equal([0, 1, 2], described.Shards.Select(s => s.Shard));
        Assert.All(described.Shards, s => Assert.All(s.Replicas, r => Assert.Equal(ReplicaCondition.InSync, r.Condition)));
        await using MemcachedTextClient memcached = await MemcachedTextClient.ConnectAsync(fixture.Memshacks.GatewayPort(MemshackCluster.Strict, 1));
        for (int i = 0; i < 20; i++)
        {
            (int shard, string[] replicas) = await memcached.RouteAsync($"route:{i}");
            Assert.Equal(replicas.Select(r => r.Split('/')[0]), described.Shards[shard].Replicas.Select(r => r.Node));
        }

        RpcException unknown = await Assert.ThrowsAsync<RpcException>(() =>
            memshacks.DescribeAsync(new DescribeMemshackRequest { Memshack = new MemshackName { Name = "nope" } }).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Metrics_count_the_grpc_calls_and_export_orleans_meters_in_prometheus_text()
    {
        Api.V1.Cache.CacheClient cache = fixture.Cache(1);
        await cache.SetAsync(new SetRequest { Memshack = Strict, Key = Bytes("metrics:a"), Value = Bytes("x") });
        for (int i = 0; i < 3; i++)
            await Assert.ThrowsAsync<RpcException>(() => cache.GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("metrics:absent") }).ResponseAsync);
        // Streaming calls are counted too, once each has ended: server streams (Watch, Export) and a client stream (Import).
        var snapshots = new Snapshots.SnapshotsClient(fixture.Channels[1]);
        var unknown = new SnapshotName { Name = "metrics-no-such-snapshot" };
        using (AsyncServerStreamingCall<SnapshotEvent> watch = snapshots.Watch(new WatchSnapshotRequest { Snapshot = unknown }))
            await Assert.ThrowsAsync<RpcException>(() => watch.ResponseStream.MoveNext(CancellationToken.None));
        using (AsyncServerStreamingCall<ExportSnapshotResponse> export = snapshots.Export(new ExportSnapshotRequest { Snapshot = unknown }))
            await Assert.ThrowsAsync<RpcException>(() => export.ResponseStream.MoveNext(CancellationToken.None));
        using (AsyncClientStreamingCall<ImportSnapshotRequest, ImportSnapshotResponse> import = snapshots.Import())
        {
            await import.RequestStream.CompleteAsync();
            await Assert.ThrowsAsync<RpcException>(() => import.ResponseAsync);
        }

        using var http = new HttpClient();
        string url = $"http://127.0.0.1:{fixture.Cluster.Settings[1].HealthPort}/metrics";
        string text = "";
        // The exporter reads the meters when scraped; a scrape may briefly serve its cached answer.
        await fixture.Cluster.WaitUntilAsync(async () =>
        {
            text = await http.GetStringAsync(url);
            return text.Contains("code=\"NotFound\"", StringComparison.Ordinal) && text.Contains("/mnemo.v1.Snapshots/Import", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "the NotFound Get calls and the snapshot streams on /metrics");
        Assert.Matches(@"(?m)^mnemo_grpc_calls_total\{[^}]*code=""NotFound""[^}]*method=""/mnemo.v1.Cache/Get""[^}]*\} 3(\s|$)", text);
        Assert.Matches(@"(?m)^mnemo_grpc_calls_total\{[^}]*code=""OK""[^}]*method=""/mnemo.v1.Cache/Set""[^}]*\} [1-9]", text);
        Assert.Matches(@"(?m)^mnemo_grpc_calls_total\{[^}]*code=""NotFound""[^}]*method=""/mnemo.v1.Snapshots/Watch""[^}]*\} [1-9]", text);
        Assert.Matches(@"(?m)^mnemo_grpc_calls_total\{[^}]*code=""NotFound""[^}]*method=""/mnemo.v1.Snapshots/Export""[^}]*\} [1-9]", text);
        Assert.Matches(@"(?m)^mnemo_grpc_calls_total\{[^}]*code=""InvalidArgument""[^}]*method=""/mnemo.v1.Snapshots/Import""[^}]*\} [1-9]", text);
        Assert.Matches(@"(?m)^orleans_\w+", text);
        Assert.Matches(@"(?m)^kestrel_active_connections\{", text);

        string? promtool = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, "promtool")).FirstOrDefault(File.Exists);
        if (promtool is null)
            return;
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, text);
            (int exit, string output) = await ExternalTools.RunAsync("/bin/sh", $"-c \"{promtool} check metrics < {file}\"", TimeSpan.FromMinutes(1));
            // The text parses; lint findings are Orleans' own names (camelCase labels, no help texts), none of Mnemo's.
            Assert.DoesNotContain("error while linting", output);
            Assert.DoesNotContain(output.Split('\n'), line => line.StartsWith("mnemo_", StringComparison.Ordinal) || line.StartsWith("kestrel_", StringComparison.Ordinal));
            Assert.True(exit == 0 || output.Contains("orleans_", StringComparison.Ordinal), output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Memory_lists_the_members_and_each_nodes_pool()
    {
        var memory = new Api.V1.Memory.MemoryClient(fixture.Channels[0]);
        ListMembersResponse members = await memory.ListMembersAsync(new ListMembersRequest());
        Assert.Equal(["node-0", "node-1", "node-2"], members.Members.Where(m => m.Status == "Active").Select(m => m.Node).Order());

        UsageResponse usage = await memory.UsageAsync(new UsageRequest());
        Assert.Equal(["node-0", "node-1", "node-2"], usage.Nodes.Select(n => n.Node));
        Assert.All(usage.Nodes, n =>
        {
            Assert.Equal("", n.Error);
            Assert.Equal(32UL << 20, n.CapacityBytes);
            Assert.Equal("emulation", n.DeviceMode);
            Assert.Contains(n.Regions, r => r.Name.StartsWith("memshack.default.strict.", StringComparison.Ordinal));
        });
    }

    [Fact]
    public async Task Grpc_js_calls_the_api_and_gets_the_statuses()
    {
        string root = RepositoryPaths.Root;
        string interop = Path.Combine(root, "tests", "GrpcInterop");
        // The install folder is named here rather than read back from the script's output, which npm's own
        // messages on the first install would follow.
        string packages = Path.Combine(root, "build", "npm", "grpc-interop");
        (int installed, string installOutput) = await ExternalTools.RunAsync(Path.Combine(interop, "install.sh"), $"\"{packages}\"", TimeSpan.FromMinutes(5));
        Assert.True(installed == 0, "npm install of the interop client failed:\n" + installOutput);
        string node = ExternalTools.Require("node", "nodejs");

        // A committed snapshot, exported by the CLI over the Orleans client, for grpc-js to export over the API.
        var snapshots = new Snapshots.SnapshotsClient(fixture.Channels[0]);
        var exported = new SnapshotName { Namespace = "default", Name = "interop-export" };
        await snapshots.CreateAsync(new CreateSnapshotRequest { Snapshot = exported, Memshack = Strict }, deadline: DateTime.UtcNow.AddSeconds(30));
        using (AsyncServerStreamingCall<SnapshotEvent> watch = snapshots.Watch(new WatchSnapshotRequest { Snapshot = exported }, deadline: DateTime.UtcNow.AddSeconds(60)))
        {
            SnapshotEvent last = null!;
            await foreach (SnapshotEvent e in watch.ResponseStream.ReadAllAsync())
                last = e;
            Assert.Equal(SnapshotPhase.Committed, last.Phase);
        }
        string directory = Directory.CreateTempSubdirectory("mnemo-interop-").FullName;
        string cliFile = Path.Combine(directory, "cli.csnap"), jsFile = Path.Combine(directory, "grpc-js.csnap");
        var cli = await CliRunner.MnemoAsync(["clustersnap", "export", exported.Name, "--file", cliFile, "--kubeconfig", fixture.Cluster.Kubeconfig,
            "--namespace", "default", "--cluster-id", fixture.Cluster.ClusterId]);
        Assert.True(cli.ExitCode == 0, cli.Stderr);

        var start = new System.Diagnostics.ProcessStartInfo(node)
        {
            ArgumentList = { Path.Combine(interop, "client.js"), $"127.0.0.1:{fixture.Cluster.Settings[2].Grpc.Port}", Path.Combine(root, "Api", "Protos"), "default/strict",
                exported.Name, jsFile },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NODE_PATH"] = Path.Combine(packages, "node_modules");
        using var process = System.Diagnostics.Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(process.ExitCode == 0, $"client.js exited {process.ExitCode}: {await stderr}");

        using JsonDocument result = JsonDocument.Parse(await stdout);
        JsonElement r = result.RootElement;
        int Code(string name) => r.GetProperty(name).GetProperty("code").GetInt32();
        Assert.Equal(0, Code("set"));
        Assert.Equal("hello from grpc-js", r.GetProperty("get").GetProperty("value").GetString());
        Assert.Equal(7, r.GetProperty("get").GetProperty("flags").GetInt32());
        Assert.Equal(r.GetProperty("set").GetProperty("cas").GetString(), r.GetProperty("get").GetProperty("cas").GetString());
        Assert.Equal(((int)StatusCode.NotFound, "KEY_NOT_FOUND"), (Code("missingKey"), r.GetProperty("missingKey").GetProperty("reason").GetString()));
        Assert.Equal(((int)StatusCode.NotFound, "MEMSHACK_NOT_FOUND"), (Code("unknownMemshack"), r.GetProperty("unknownMemshack").GetProperty("reason").GetString()));
        Assert.Equal(((int)StatusCode.InvalidArgument, "INVALID_FIELD"), (Code("badKey"), r.GetProperty("badKey").GetProperty("reason").GetString()));
        Assert.Equal(((int)StatusCode.FailedPrecondition, "CAS_MISMATCH"), (Code("casMismatch"), r.GetProperty("casMismatch").GetProperty("reason").GetString()));
        Assert.Equal("42", r.GetProperty("incr").GetProperty("value").GetString());
        Assert.Equal((int)StatusCode.Unimplemented, Code("unknownMethod"));
        Assert.Equal((int)StatusCode.Unimplemented, Code("unknownService"));
        Assert.Equal((int)StatusCode.DeadlineExceeded, Code("deadline"));
        Assert.Equal(0, Code("afterDeadline"));
        Assert.Equal((0, "SNAPSHOT_PHASE_PENDING"), (Code("snapshotCreate"), r.GetProperty("snapshotCreate").GetProperty("phase").GetString()));
        Assert.Equal(0, Code("watch"));
        Assert.True(r.GetProperty("watch").GetProperty("finished").GetBoolean());
        Assert.Equal("SNAPSHOT_PHASE_COMMITTED", r.GetProperty("watch").GetProperty("phases").EnumerateArray().Last().GetString());
        Assert.Equal((int)StatusCode.DeadlineExceeded, Code("watchDeadline"));
        Assert.Equal(((int)StatusCode.NotFound, "SNAPSHOT_NOT_FOUND"), (Code("unknownSnapshot"), r.GetProperty("unknownSnapshot").GetProperty("reason").GetString()));
        Assert.Equal(0, Code("snapshotDelete"));

        // Export read to its end by grpc-js: progress per shard, then the file, which holds the CLI's file's items byte for byte
        // (each shard's engine records; the headers differ only in when they were written).
        JsonElement export = r.GetProperty("export");
        Assert.Equal((0, 3), (Code("export"), export.GetProperty("progress").GetInt32()));
        byte[] viaGrpc = await File.ReadAllBytesAsync(jsFile), viaCli = await File.ReadAllBytesAsync(cliFile);
        Assert.Equal(viaGrpc.LongLength, long.Parse(export.GetProperty("fileBytes").GetString()!));
        Assert.Equal(viaGrpc.Length, export.GetProperty("bytes").GetInt32());
        Assert.Equal(ShardRecords(viaCli), ShardRecords(viaGrpc));
        await snapshots.DeleteAsync(new DeleteSnapshotRequest { Snapshot = exported }, deadline: DateTime.UtcNow.AddSeconds(30));
        Directory.Delete(directory, recursive: true);

        // What grpc-js wrote, read through .NET and memcached.
        GetResponse get = await fixture.Cache(0).GetAsync(new GetRequest { Memshack = Strict, Key = Bytes("interop:greeting") });
        Assert.Equal("hello from grpc-js", get.Item.Value.ToStringUtf8());
    }

    /// <summary>Each shard's engine export records in a cluster snapshot file (its header and every engine header left out).</summary>
    private static List<byte[]> ShardRecords(byte[] file)
    {
        const int HeaderLength = 64, SectionHeaderLength = 16, EngineHeaderLength = 64;
        int shards = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16));
        int offset = HeaderLength + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20));
        var records = new List<byte[]>();
        for (int shard = 0; shard < shards; shard++)
        {
            int length = (int)BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(offset + 8));
            records.Add(file[(offset + SectionHeaderLength + EngineHeaderLength)..(offset + SectionHeaderLength + length)]);
            offset += SectionHeaderLength + length;
        }
        Assert.Equal(file.Length, offset);
        return records;
    }

    /// <summary>One gRPC call as plain HTTP/2: the HTTP response and its grpc-status (from the trailers, or the headers of a trailers-only answer).</summary>
    private async Task<(HttpResponseMessage Response, string? Status)> RawCallAsync(HttpClient http, byte[] body, string contentType, string? timeout)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fixture.Cluster.GrpcAddress(0), "/mnemo.v1.Cache/Get"))
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TE.ParseAdd("trailers");
        if (timeout is not null)
            request.Headers.Add("grpc-timeout", timeout);
        HttpResponseMessage response = await http.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        string? status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
            : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single() : null;
        return (response, status);
    }
}
