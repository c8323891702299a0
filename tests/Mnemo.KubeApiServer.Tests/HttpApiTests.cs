using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>The API over plain HTTP: errors, discovery, tables, finalizers, namespaces, CRDs created at run time.</summary>
[Collection("server")]
public sealed class HttpApiTests(ServerFixture fixture)
{
    private HttpClient Http => fixture.Http;

    [Fact]
    public async Task Malformed_json_is_a_400_status_and_the_server_keeps_serving()
    {
        string ns = await fixture.NamespaceAsync("malformed");

        using HttpResponseMessage response = await Http.PostAsync($"/apis/test.mnemo.dev/v1/namespaces/{ns}/widgets",
            new StringContent("{\"apiVersion\": \"test.mnemo.dev/v1\", \"kind\": ", Encoding.UTF8, "application/json"));

        JsonElement status = await StatusAsync(response, HttpStatusCode.BadRequest, "BadRequest");
        Assert.Contains("json parse error", status.GetProperty("message").GetString());
        using HttpResponseMessage yaml = await Http.PatchAsync($"/apis/test.mnemo.dev/v1/namespaces/{ns}/widgets/w?fieldManager=t",
            new StringContent("kind: [unclosed", Encoding.UTF8, "application/apply-patch+yaml"));
        await StatusAsync(yaml, HttpStatusCode.BadRequest, "BadRequest");
        using HttpResponseMessage after = await Http.GetAsync($"/apis/test.mnemo.dev/v1/namespaces/{ns}/widgets");
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task Unknown_resources_are_404_and_wrong_methods_are_405()
    {
        await StatusAsync(await Http.GetAsync("/apis/test.mnemo.dev/v1/namespaces/default/sprockets"), HttpStatusCode.NotFound, "NotFound");
        await StatusAsync(await Http.GetAsync("/apis/nowhere.example/v1"), HttpStatusCode.NotFound, "NotFound");
        await StatusAsync(await Http.GetAsync("/no/such/path"), HttpStatusCode.NotFound, "NotFound");
        await StatusAsync(await Http.GetAsync("/apis/test.mnemo.dev/v1/namespaces/default/widgets/w/scale"), HttpStatusCode.NotFound, "NotFound");
        await StatusAsync(await Http.PostAsync("/apis/test.mnemo.dev/v1/namespaces/default/widgets/w", new StringContent("{}")), HttpStatusCode.MethodNotAllowed, "MethodNotAllowed");
        await StatusAsync(await Http.PutAsync("/api/v1/namespaces/default/configmaps", new StringContent("{}")), HttpStatusCode.MethodNotAllowed, "MethodNotAllowed");
        await StatusAsync(await Http.DeleteAsync("/version"), HttpStatusCode.MethodNotAllowed, "MethodNotAllowed");
        await StatusAsync(await Http.PatchAsync("/apis/test.mnemo.dev/v1/namespaces/default/widgets/w",
            new StringContent("{}", Encoding.UTF8, "application/strategic-merge-patch+json")), HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType");
    }

    [Fact]
    public async Task Version_health_openapi_and_discovery_answer_what_kubectl_needs()
    {
        JsonElement version = await JsonAsync("/version");
        Assert.Equal(("1", "32", "v1.32.4"), (version.GetProperty("major").GetString(), version.GetProperty("minor").GetString(), version.GetProperty("gitVersion").GetString()));
        Assert.Equal("ok", await Http.GetStringAsync("/readyz"));
        using HttpResponseMessage openApi = await Http.GetAsync("/openapi/v2");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.Empty(await openApi.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/openapi/v3")).StatusCode);

        Assert.Equal(["v1"], (await JsonAsync("/api")).GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        JsonElement groups = await JsonAsync("/apis");
        Assert.Contains(groups.GetProperty("groups").EnumerateArray(), g => g.GetProperty("name").GetString() == "mnemo.dev");
        JsonElement resources = await JsonAsync("/apis/test.mnemo.dev/v1");
        JsonElement widgets = resources.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "widgets");
        Assert.Equal(("Widget", true), (widgets.GetProperty("kind").GetString(), widgets.GetProperty("namespaced").GetBoolean()));
        Assert.Equal(["wd"], widgets.GetProperty("shortNames").EnumerateArray().Select(n => n.GetString()));
        Assert.Contains(resources.GetProperty("resources").EnumerateArray(), r => r.GetProperty("name").GetString() == "widgets/status");
        JsonElement core = await JsonAsync("/api/v1");
        Assert.Contains(core.GetProperty("resources").EnumerateArray(), r => r.GetProperty("name").GetString() == "namespaces" && !r.GetProperty("namespaced").GetBoolean());
    }

    [Fact]
    public async Task A_table_has_the_columns_rows_and_partial_object_metadata()
    {
        string ns = await fixture.NamespaceAsync("table");
        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Widget { Metadata = new V1ObjectMeta { Name = "row", Labels = new Dictionary<string, string> { ["a"] = "b" } }, Spec = new WidgetSpec { Size = 2, Color = "red" } },
            TestResources.Group, TestResources.Version, ns, TestResources.Widgets);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/apis/test.mnemo.dev/v1/namespaces/{ns}/widgets");
        request.Headers.Accept.ParseAdd("application/json;as=Table;v=v1;g=meta.k8s.io");
        request.Headers.Accept.ParseAdd("application/json");

        using HttpResponseMessage response = await Http.SendAsync(request);
        JsonElement table = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal("Table", table.GetProperty("kind").GetString());
        Assert.False(string.IsNullOrEmpty(table.GetProperty("metadata").GetProperty("resourceVersion").GetString()));
        Assert.Equal(["Name", "Size", "Color", "Phase", "Age"], table.GetProperty("columnDefinitions").EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        JsonElement row = table.GetProperty("rows")[0];
        Assert.Equal("row", row.GetProperty("cells")[0].GetString());
        Assert.Equal(2, row.GetProperty("cells")[1].GetInt32());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("cells")[3].ValueKind);
        Assert.Equal("PartialObjectMetadata", row.GetProperty("object").GetProperty("kind").GetString());
        Assert.Equal("b", row.GetProperty("object").GetProperty("metadata").GetProperty("labels").GetProperty("a").GetString());
    }

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_until_the_last_one_is_removed()
    {
        string ns = await fixture.NamespaceAsync("finalizers");
        var cm = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["mnemo.dev/a", "mnemo.dev/b"] } };
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(cm, ns);

        using HttpResponseMessage deleting = await Http.DeleteAsync($"/api/v1/namespaces/{ns}/configmaps/held");
        Assert.Equal(HttpStatusCode.Accepted, deleting.StatusCode);
        V1ConfigMap marked = await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("held", ns);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);

        await fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(
            new V1Patch("""[{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch), "held", ns);
        Assert.Equal(["mnemo.dev/b"], (await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("held", ns)).Metadata.Finalizers);
        await fixture.Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "held", ns);

        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps/held")).StatusCode);
    }

    [Fact]
    public async Task Objects_need_an_existing_namespace_and_deleting_one_deletes_its_objects()
    {
        using HttpResponseMessage missing = await Http.PostAsync("/api/v1/namespaces/nowhere/configmaps", Json("""{"metadata":{"name":"x"}}"""));
        JsonElement status = await StatusAsync(missing, HttpStatusCode.NotFound, "NotFound");
        Assert.Equal("namespaces \"nowhere\" not found", status.GetProperty("message").GetString());

        string ns = await fixture.NamespaceAsync("doomed");
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "inside" } }, ns);
        await fixture.Client.CoreV1.DeleteNamespaceAsync(ns);
        // As in Kubernetes: Terminating at first (new objects refused, the ones inside still there), then gone with its objects.
        JsonElement terminating = await JsonAsync($"/api/v1/namespaces/{ns}");
        Assert.Equal("Terminating", terminating.GetProperty("status").GetProperty("phase").GetString());
        await StatusAsync(await Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json("""{"metadata":{"name":"late"}}""")), HttpStatusCode.Forbidden, "Forbidden");
        await Eventually.TrueAsync(async () => (await Http.GetAsync($"/api/v1/namespaces/{ns}")).StatusCode == HttpStatusCode.NotFound, $"namespace {ns} to go");
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps/inside")).StatusCode);

        await StatusAsync(await Http.DeleteAsync("/api/v1/namespaces/default"), HttpStatusCode.Forbidden, "Forbidden");
    }

    [Fact]
    public async Task Generate_name_dry_run_and_validation()
    {
        string ns = await fixture.NamespaceAsync("create");
        using HttpResponseMessage generated = await Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json("""{"metadata":{"generateName":"cm-"}}"""));
        Assert.Equal(HttpStatusCode.Created, generated.StatusCode);
        string name = JsonNode.Parse(await generated.Content.ReadAsStringAsync())!["metadata"]!["name"]!.GetValue<string>();
        Assert.Matches("^cm-[a-z0-9]{5}$", name);

        using HttpResponseMessage dryRun = await Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps?dryRun=All", Json("""{"metadata":{"name":"dry"}}"""));
        Assert.Equal(HttpStatusCode.Created, dryRun.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/api/v1/namespaces/{ns}/configmaps/dry")).StatusCode);

        JsonElement invalid = await StatusAsync(await Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json("""{"metadata":{"name":"Not_Valid"}}""")),
            HttpStatusCode.UnprocessableEntity, "Invalid");
        Assert.StartsWith("ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value", invalid.GetProperty("message").GetString());
        await StatusAsync(await Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json("""{"metadata":{}}""")), HttpStatusCode.UnprocessableEntity, "Invalid");
        await StatusAsync(await Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps", Json("""{"kind":"Secret","metadata":{"name":"x"}}""")), HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task A_crd_created_through_the_api_is_served_and_goes_away_with_its_objects()
    {
        const string Crd = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"sprockets.late.test.mnemo.dev"},
             "spec":{"group":"late.test.mnemo.dev","scope":"Cluster","names":{"kind":"Sprocket","plural":"sprockets"},
                     "versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object","properties":{"spec":{"type":"object","properties":{"teeth":{"type":"integer"}}}}}}}]}}
            """;
        using HttpResponseMessage created = await Http.PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", Json(Crd));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        JsonNode crd = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.Contains(crd["status"]!["conditions"]!.AsArray(), c => (string?)c!["type"] == "Established" && (string?)c["status"] == "True");
        Assert.Equal("sprocket", (string?)crd["spec"]!["names"]!["singular"]);

        Assert.Contains((await JsonAsync("/apis/late.test.mnemo.dev/v1")).GetProperty("resources").EnumerateArray(), r => r.GetProperty("name").GetString() == "sprockets");
        Assert.Equal(HttpStatusCode.Created, (await Http.PostAsync("/apis/late.test.mnemo.dev/v1/sprockets", Json("""{"metadata":{"name":"s1"},"spec":{"teeth":12}}"""))).StatusCode);
        Assert.Equal(12, (await JsonAsync("/apis/late.test.mnemo.dev/v1/sprockets/s1")).GetProperty("spec").GetProperty("teeth").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await Http.DeleteAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/sprockets.late.test.mnemo.dev")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/apis/late.test.mnemo.dev/v1/sprockets/s1")).StatusCode);
        Assert.DoesNotContain((await JsonAsync("/apis")).GetProperty("groups").EnumerateArray(), g => g.GetProperty("name").GetString() == "late.test.mnemo.dev");

        JsonElement invalid = await StatusAsync(await Http.PostAsync("/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
            Json("""{"metadata":{"name":"wrong.name"},"spec":{"group":"x.y","scope":"Cluster","names":{"kind":"K","plural":"ks"},"versions":[{"name":"v1","storage":true}]}}""")),
            HttpStatusCode.UnprocessableEntity, "Invalid");
        Assert.Contains("metadata.name", invalid.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Cluster_scoped_custom_objects_bump_generation_on_any_change_but_metadata()
    {
        var gadget = new JsonObject { ["apiVersion"] = "test.mnemo.dev/v1", ["kind"] = "Gadget", ["metadata"] = new JsonObject { ["name"] = $"g-{Guid.NewGuid():N}"[..12] }, ["spec"] = new JsonObject { ["x"] = 1 } };
        string name = (string)gadget["metadata"]!["name"]!;
        await fixture.Client.CustomObjects.CreateClusterCustomObjectAsync(gadget, TestResources.Group, TestResources.Version, TestResources.Gadgets);

        async Task<long> GenerationAfter(string patch) =>
            ((JsonElement)await fixture.Client.CustomObjects.PatchClusterCustomObjectAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), TestResources.Group, TestResources.Version, TestResources.Gadgets, name))
                .GetProperty("metadata").GetProperty("generation").GetInt64();

        Assert.Equal(1, await GenerationAfter("""{"metadata":{"labels":{"a":"b"}}}"""));
        Assert.Equal(2, await GenerationAfter("""{"status":{"state":"on"}}""")); // no status subresource: status is content
        Assert.Equal(3, await GenerationAfter("""{"spec":{"x":2}}"""));
        Assert.Equal(3, await GenerationAfter("""{"spec":{"x":2}}""")); // no change, no new generation
    }

    [Fact]
    public async Task Delete_collection_by_label_selector()
    {
        string ns = await fixture.NamespaceAsync("collection");
        foreach (var (name, group) in new[] { ("a", "one"), ("b", "one"), ("c", "two") })
        {
            await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["group"] = group } } }, ns);
        }

        await fixture.Client.CoreV1.DeleteCollectionNamespacedConfigMapAsync(ns, labelSelector: "group=one");

        Assert.Equal(["c"], (await fixture.Client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Select(c => c.Metadata.Name));
    }

    private async Task<JsonElement> JsonAsync(string path)
    {
        using HttpResponseMessage response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    private static async Task<JsonElement> StatusAsync(HttpResponseMessage response, HttpStatusCode code, string reason)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == code, $"expected {code}, got {response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        JsonElement status = JsonDocument.Parse(body).RootElement;
        Assert.Equal(("Status", "Failure", reason, (int)code),
            (status.GetProperty("kind").GetString(), status.GetProperty("status").GetString(), status.GetProperty("reason").GetString(), status.GetProperty("code").GetInt32()));
        response.Dispose();
        return status;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
}
