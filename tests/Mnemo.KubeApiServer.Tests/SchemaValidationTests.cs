using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mnemo.Tests.Shared;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>
/// Mnemo's custom resources checked against their CRDs' schemas (k8s/crds) as kube-apiserver checks
/// them: 422 Invalid with field paths, defaults filled in, unknown fields dropped (or refused with
/// fieldValidation=Strict), over HTTP and through the machine's kubectl.
/// </summary>
[Collection("server")]
public sealed class SchemaValidationTests(ServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    private static string Memshacks(string ns) => $"/apis/mnemo.dev/v1alpha1/namespaces/{ns}/memshacks";

    private static string MemoryMachines(string ns) => $"/apis/mnemo.dev/v1alpha1/namespaces/{ns}/memorymachines";

    [Fact]
    public async Task An_invalid_memshack_is_a_422_with_every_field_path_worded_as_kubernetes_words_it()
    {
        string ns = await fixture.NamespaceAsync("invalid-ms");

        using HttpResponseMessage response = await PostAsync(Memshacks(ns), """
            {"apiVersion":"mnemo.dev/v1alpha1","kind":"Memshack","metadata":{"name":"bad"},
             "spec":{"num_shards":0,"num_replicas":"two","mcrouter_port":70000,"writeQuorum":"most"}}
            """);

        JsonElement status = await InvalidAsync(response);
        Assert.Equal(new Dictionary<string, (string Reason, string Message)>
        {
            ["spec.num_shards"] = ("FieldValueInvalid", "Invalid value: 0: spec.num_shards in body should be greater than or equal to 1"),
            ["spec.num_replicas"] = ("FieldValueTypeInvalid", "Invalid value: \"string\": spec.num_replicas in body must be of type integer: \"string\""),
            ["spec.mcrouter_port"] = ("FieldValueInvalid", "Invalid value: 70000: spec.mcrouter_port in body should be less than or equal to 65535"),
            ["spec.writeQuorum"] = ("FieldValueNotSupported", "Unsupported value: \"most\": supported values: \"all\", \"majority\", \"one\""),
        }, Causes(status));
        Assert.StartsWith("Memshack.mnemo.dev \"bad\" is invalid: [", status.GetProperty("message").GetString());
        Assert.Equal(("Memshack", "mnemo.dev"), (status.GetProperty("details").GetProperty("kind").GetString(), status.GetProperty("details").GetProperty("group").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"{Memshacks(ns)}/bad")).StatusCode);
    }

    [Fact]
    public async Task Defaults_fill_an_empty_spec_on_create_and_a_removed_field_on_update_without_a_new_generation()
    {
        string ns = await fixture.NamespaceAsync("defaults-ms");

        using HttpResponseMessage created = await PostAsync(Memshacks(ns), """{"apiVersion":"mnemo.dev/v1alpha1","kind":"Memshack","metadata":{"name":"plain"}}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        JsonNode spec = JsonNode.Parse(await created.Content.ReadAsStringAsync())!["spec"]!;
        Assert.Equal("""{"num_shards":3,"num_replicas":2,"mcrouter_pool_size":2,"mcrouter_port":5000,"memcached_image":"memcached:1.6-alpine","mcrouter_image":"mcrouter/mcrouter:latest","writeQuorum":"all"}""",
            spec.ToJsonString());

        using HttpResponseMessage changed = await MergePatchAsync($"{Memshacks(ns)}/plain", """{"spec":{"num_shards":5}}""");
        JsonNode afterChange = JsonNode.Parse(await changed.Content.ReadAsStringAsync())!;
        Assert.Equal((5, 2L), ((int)afterChange["spec"]!["num_shards"]!, (long)afterChange["metadata"]!["generation"]!));

        // Removing a defaulted field brings the default back: the same spec, so no new generation.
        using HttpResponseMessage removed = await MergePatchAsync($"{Memshacks(ns)}/plain", """{"spec":{"mcrouter_port":null}}""");
        JsonNode afterRemove = JsonNode.Parse(await removed.Content.ReadAsStringAsync())!;
        Assert.Equal((5000, 2L), ((int)afterRemove["spec"]!["mcrouter_port"]!, (long)afterRemove["metadata"]!["generation"]!));
    }

    [Fact]
    public async Task Nested_defaults_of_a_memorymachine_apply_and_unknown_fields_are_dropped()
    {
        string ns = await fixture.NamespaceAsync("defaults-mm");

        using HttpResponseMessage created = await PostAsync(MemoryMachines(ns), """
            {"apiVersion":"mnemo.dev/v1alpha1","kind":"MemoryMachine","metadata":{"name":"m"},
             "spec":{"capacity":"64Gi","images":{"pullPolicy":"Always"},"colour":"blue"},"extra":1}
            """);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        JsonNode obj = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        JsonNode spec = obj["spec"]!;
        Assert.Equal("""{"storage":"pmem"}""", spec["nodeSelector"]!.ToJsonString());
        Assert.Equal(("64Gi", "fsdax", "Information"), ((string?)spec["capacity"], (string?)spec["deviceMode"], (string?)spec["logLevel"]));
        Assert.Equal("""{"pullPolicy":"Always","silo":"ghcr.io/mnemo/mnemo-silo:latest"}""", spec["images"]!.ToJsonString());
        Assert.Null(spec["colour"]);
        Assert.Null(obj["extra"]);
    }

    [Theory]
    [InlineData("""{"capacity":"lots"}""", "spec.capacity", "Invalid value: \"lots\": spec.capacity in body should match")]
    [InlineData("""{"capacity":"101%"}""", "spec.capacity", "Invalid value: \"101%\": spec.capacity in body should match")]
    [InlineData("""{"capacity":true}""", "spec.capacity", "Invalid value: \"boolean\": spec.capacity in body must be of type")]
    [InlineData("""{"deviceMode":"nvme"}""", "spec.deviceMode", "Unsupported value: \"nvme\": supported values: \"emulation\", \"fsdax\", \"devdax\"")]
    [InlineData("""{"tls":{"secretName":"Not_A_Name"}}""", "spec.tls.secretName", "Invalid value: \"Not_A_Name\": spec.tls.secretName in body should match")]
    [InlineData("""{"nodeSelector":{"storage":5}}""", "spec.nodeSelector.storage", "Invalid value: \"integer\": spec.nodeSelector.storage in body must be of type string: \"integer\"")]
    public async Task An_invalid_memorymachine_is_refused_with_the_field_path(string spec, string field, string message)
    {
        string ns = await fixture.NamespaceAsync("invalid-mm");

        using HttpResponseMessage response = await PostAsync(MemoryMachines(ns), $$"""{"apiVersion":"mnemo.dev/v1alpha1","kind":"MemoryMachine","metadata":{"name":"m"},"spec":{{spec}}}""");

        var causes = Causes(await InvalidAsync(response));
        Assert.Equal([field], causes.Keys);
        Assert.StartsWith(message, causes[field].Message);
    }

    [Theory]
    [InlineData("50%")]
    [InlineData("256Mi")]
    [InlineData("1073741824")]
    [InlineData("100%")]
    public async Task Memorymachine_capacity_takes_quantities_and_percentages(string capacity)
    {
        string ns = await fixture.NamespaceAsync("capacity-mm");
        using HttpResponseMessage response = await PostAsync(MemoryMachines(ns), $$$"""{"apiVersion":"mnemo.dev/v1alpha1","kind":"MemoryMachine","metadata":{"name":"m"},"spec":{"capacity":"{{{capacity}}}"}}""");
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Status_writes_are_validated_against_the_status_schema_and_keep_fields_others_add()
    {
        string ns = await fixture.NamespaceAsync("status-mm");
        (await PostAsync(MemoryMachines(ns), """{"apiVersion":"mnemo.dev/v1alpha1","kind":"MemoryMachine","metadata":{"name":"m"}}""")).Dispose();

        using HttpResponseMessage bad = await MergePatchAsync($"{MemoryMachines(ns)}/m/status",
            """{"status":{"readyNodes":-1,"nodes":[{"node":"n1","used":"x","deviceMode":"tape"},{"capacity":1}]}}""");
        Assert.Equal(new Dictionary<string, (string, string)>
        {
            ["status.readyNodes"] = ("FieldValueInvalid", "Invalid value: -1: status.readyNodes in body should be greater than or equal to 0"),
            ["status.nodes[0].used"] = ("FieldValueTypeInvalid", "Invalid value: \"string\": status.nodes[0].used in body must be of type integer: \"string\""),
            ["status.nodes[0].deviceMode"] = ("FieldValueNotSupported", "Unsupported value: \"tape\": supported values: \"emulation\", \"fsdax\", \"devdax\""),
            ["status.nodes[1].node"] = ("FieldValueRequired", "Required value"),
        }, Causes(await InvalidAsync(bad)));

        using HttpResponseMessage good = await MergePatchAsync($"{MemoryMachines(ns)}/m/status",
            """{"status":{"phase":"Running","readyNodes":1,"joined":["n1"],"nodes":[{"node":"n1","capacity":268435456,"used":4096,"regions":2,"snapshots":0,"deviceMode":"emulation","ready":true}]}}""");
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        JsonNode status = JsonNode.Parse(await good.Content.ReadAsStringAsync())!["status"]!;
        Assert.Equal(("Running", "n1", 268435456L), ((string?)status["phase"], (string?)status["joined"]![0], (long)status["nodes"]![0]!["capacity"]!));
    }

    [Fact]
    public async Task Server_side_apply_of_yaml_is_validated_and_defaulted()
    {
        string ns = await fixture.NamespaceAsync("ssa-yaml");
        string path = $"{Memshacks(ns)}/cache?fieldManager=test";

        using HttpResponseMessage refused = await Http.PatchAsync(path, new StringContent(
            "apiVersion: mnemo.dev/v1alpha1\nkind: Memshack\nmetadata:\n  name: cache\nspec:\n  num_shards: 0\n  writeQuorum: one\n", Encoding.UTF8, "application/apply-patch+yaml"));
        Assert.Equal(new Dictionary<string, (string, string)>
        {
            ["spec.num_shards"] = ("FieldValueInvalid", "Invalid value: 0: spec.num_shards in body should be greater than or equal to 1"),
        }, Causes(await InvalidAsync(refused)));

        using HttpResponseMessage applied = await Http.PatchAsync(path, new StringContent(
            "apiVersion: mnemo.dev/v1alpha1\nkind: Memshack\nmetadata:\n  name: cache\nspec:\n  num_shards: 4\n  writeQuorum: one\n", Encoding.UTF8, "application/apply-patch+yaml"));
        Assert.Equal(HttpStatusCode.Created, applied.StatusCode);
        JsonNode spec = JsonNode.Parse(await applied.Content.ReadAsStringAsync())!["spec"]!;
        Assert.Equal((4, "one", 5000), ((int)spec["num_shards"]!, (string?)spec["writeQuorum"], (int)spec["mcrouter_port"]!));
    }

    [Fact]
    public async Task Strict_field_validation_refuses_unknown_fields_as_the_strict_decoder_does()
    {
        string ns = await fixture.NamespaceAsync("strict-ms");

        using HttpResponseMessage response = await PostAsync(Memshacks(ns) + "?fieldValidation=Strict",
            """{"apiVersion":"mnemo.dev/v1alpha1","kind":"Memshack","metadata":{"name":"s"},"spec":{"num_shard":4}}""");

        string body = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Memshack in version \"v1alpha1\" cannot be handled as a Memshack: strict decoding error: unknown field \"spec.num_shard\"",
            JsonNode.Parse(body)!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Unknown_fields_are_dropped_with_a_warning_by_default_and_silently_when_ignored()
    {
        string ns = await fixture.NamespaceAsync("warn-ms");
        const string Body = """{"apiVersion":"mnemo.dev/v1alpha1","kind":"Memshack","metadata":{"name":"NAME"},"spec":{"num_shard":4,"colour":"red"}}""";

        using HttpResponseMessage warned = await PostAsync(Memshacks(ns), Body.Replace("NAME", "warned"));
        using HttpResponseMessage ignored = await PostAsync(Memshacks(ns) + "?fieldValidation=Ignore", Body.Replace("NAME", "ignored"));

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (warned.StatusCode, ignored.StatusCode));
        Assert.Equal(["299 - \"unknown field \\\"spec.colour\\\"\"", "299 - \"unknown field \\\"spec.num_shard\\\"\""],
            warned.Headers.GetValues("Warning").Order());
        Assert.False(ignored.Headers.Contains("Warning"));
        JsonNode spec = JsonNode.Parse(await warned.Content.ReadAsStringAsync())!["spec"]!;
        Assert.Equal((3, null), ((int)spec["num_shards"]!, spec["num_shard"]));

        string file = fixture.Folder.File($"{ns}/typo.yaml", $"apiVersion: mnemo.dev/v1alpha1\nkind: Memshack\nmetadata:\n  name: typo\n  namespace: {ns}\nspec:\n  num_shard: 4\n");
        Kubectl.Result strict = await fixture.Kubectl.RunAsync("apply", "-f", file);
        Kubectl.Result warn = await fixture.Kubectl.RunAsync("apply", "--validate=warn", "-f", file);
        Assert.NotEqual(0, strict.ExitCode);
        Assert.Contains("strict decoding error: unknown field \"spec.num_shard\"", strict.Stderr);
        Assert.True(warn.ExitCode == 0, warn.Output);
        Assert.Contains("Warning: unknown field \"spec.num_shard\"", warn.Stderr);
    }

    [Fact]
    public async Task Kubectl_apply_of_a_memshack_with_zero_shards_prints_the_field_path_and_stores_nothing()
    {
        string ns = await fixture.NamespaceAsync("kubectl-ms");
        string file = fixture.Folder.File($"{ns}/memshack.yaml", $"""
            apiVersion: mnemo.dev/v1alpha1
            kind: Memshack
            metadata:
              name: zero
              namespace: {ns}
            spec:
              num_shards: 0
            """);

        Kubectl.Result result = await fixture.Kubectl.RunAsync("apply", "-f", file);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"The Memshack \"zero\" is invalid: spec.num_shards: Invalid value: 0: spec.num_shards in body should be greater than or equal to 1", result.Stderr);
        Kubectl.Result get = await fixture.Kubectl.RunAsync("get", "memshack", "zero", "-n", ns);
        Assert.Contains("NotFound", get.Stderr);
    }

    [Fact]
    public async Task Kubectl_apply_of_the_seed_memshack_manifest_is_accepted_and_get_json_shows_the_defaults()
    {
        string ns = await fixture.NamespaceAsync("kubectl-seed");
        // The original Memshack operator's example, with only apiVersion changed.
        string file = fixture.Folder.File($"{ns}/test.yaml", """
            apiVersion: mnemo.dev/v1alpha1
            kind: Memshack
            metadata:
              namespace: default
              name: test
            spec:
              mcrouter_pool_size: 2 # number of mcrouter gateway instances
              num_replicas: 2 # number of replicas per shard
              num_shards: 2 # number of shards
              memcached_image: memcached:1.6-alpine # docker image to use for memcached
              mcrouter_image: mcrouter/mcrouter:latest # docker image to use for mcrouter
              mcrouter_port: 5000 # port to use for all mcrouter instances
            """);
        string minimal = fixture.Folder.File($"{ns}/minimal.yaml", $"apiVersion: mnemo.dev/v1alpha1\nkind: Memshack\nmetadata:\n  namespace: {ns}\n  name: minimal\n");

        Kubectl.Result seed = await fixture.Kubectl.RunAsync("apply", "-f", file);
        Kubectl.Result plain = await fixture.Kubectl.RunAsync("apply", "-f", minimal);

        Assert.True(seed.ExitCode == 0, seed.Output);
        Assert.Contains("memshack.mnemo.dev/test created", seed.Stdout);
        Assert.True(plain.ExitCode == 0, plain.Output);
        Kubectl.Result json = await fixture.Kubectl.RunAsync("get", "memshack", "test", "-n", "default", "-o", "json");
        JsonNode spec = JsonNode.Parse(json.Stdout)!["spec"]!;
        Assert.Equal((2, "all"), ((int)spec["num_shards"]!, (string?)spec["writeQuorum"]));
        JsonNode defaulted = JsonNode.Parse((await fixture.Kubectl.RunAsync("get", "ms", "minimal", "-n", ns, "-o", "json")).Stdout)!["spec"]!;
        Assert.Equal((3, 2, 2, 5000, "all"), ((int)defaulted["num_shards"]!, (int)defaulted["num_replicas"]!, (int)defaulted["mcrouter_pool_size"]!,
            (int)defaulted["mcrouter_port"]!, (string?)defaulted["writeQuorum"]));
        // Re-applying the same file changes nothing, defaults included.
        Assert.Contains("memshack.mnemo.dev/test unchanged", (await fixture.Kubectl.RunAsync("apply", "-f", file)).Stdout);
    }

    [Fact]
    public async Task Kubectl_server_side_apply_and_patch_are_validated_too()
    {
        string ns = await fixture.NamespaceAsync("kubectl-ssa");
        string file = fixture.Folder.File($"{ns}/mm.yaml", $"apiVersion: mnemo.dev/v1alpha1\nkind: MemoryMachine\nmetadata:\n  namespace: {ns}\n  name: m\nspec:\n  deviceMode: tape\n");

        Kubectl.Result applied = await fixture.Kubectl.RunAsync("apply", "--server-side", "-f", file);
        Assert.NotEqual(0, applied.ExitCode);
        Assert.Contains("spec.deviceMode: Unsupported value: \"tape\": supported values: \"emulation\", \"fsdax\", \"devdax\"", applied.Stderr);

        File.WriteAllText(file, $"apiVersion: mnemo.dev/v1alpha1\nkind: MemoryMachine\nmetadata:\n  namespace: {ns}\n  name: m\nspec:\n  deviceMode: devdax\n");
        Assert.Equal(0, (await fixture.Kubectl.RunAsync("apply", "--server-side", "-f", file)).ExitCode);
        Kubectl.Result patched = await fixture.Kubectl.RunAsync("patch", "mm", "m", "-n", ns, "--type", "merge", "-p", """{"spec":{"capacity":"half"}}""");
        Assert.NotEqual(0, patched.ExitCode);
        Assert.Contains("The MemoryMachine \"m\" is invalid: spec.capacity: Invalid value: \"half\": spec.capacity in body should match", patched.Stderr);
        Kubectl.Result table = await fixture.Kubectl.RunAsync("get", "memorymachines", "-n", ns);
        Assert.Matches(@"m\s+devdax\s+100%", table.Stdout);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, string json) =>
        await Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private async Task<HttpResponseMessage> MergePatchAsync(string path, string json) =>
        await Http.PatchAsync(path, new StringContent(json, Encoding.UTF8, "application/merge-patch+json"));

    private static async Task<JsonElement> InvalidAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"expected 422, got {response.StatusCode}: {body}");
        JsonElement status = JsonDocument.Parse(body).RootElement;
        Assert.Equal(("Status", "Invalid", 422), (status.GetProperty("kind").GetString(), status.GetProperty("reason").GetString(), status.GetProperty("code").GetInt32()));
        return status;
    }

    private static Dictionary<string, (string Reason, string Message)> Causes(JsonElement status) =>
        status.GetProperty("details").GetProperty("causes").EnumerateArray()
            .ToDictionary(c => c.GetProperty("field").GetString()!, c => (c.GetProperty("reason").GetString()!, c.GetProperty("message").GetString()!));
}
