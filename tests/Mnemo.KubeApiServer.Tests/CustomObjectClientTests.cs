using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>KubernetesClient 21 against the server: custom objects typed and untyped, concurrency, selectors, patches, status.</summary>
[Collection("server")]
public sealed class CustomObjectClientTests(ServerFixture fixture)
{
    private const string G = TestResources.Group;
    private const string V = TestResources.Version;
    private const string P = TestResources.Widgets;

    private ICustomObjectsOperations Objects => fixture.Client.CustomObjects;

    [Fact]
    public async Task Untyped_create_get_list_replace_delete()
    {
        string ns = await fixture.NamespaceAsync("untyped");
        var body = new JsonObject
        {
            ["apiVersion"] = "test.mnemo.dev/v1",
            ["kind"] = "Widget",
            ["metadata"] = new JsonObject { ["name"] = "u1" },
            ["spec"] = new JsonObject { ["size"] = 1 },
        };

        var created = (JsonElement)await Objects.CreateNamespacedCustomObjectAsync(body, G, V, ns, P);
        JsonElement metadata = created.GetProperty("metadata");
        Assert.Equal(ns, metadata.GetProperty("namespace").GetString());
        Assert.Equal(1, metadata.GetProperty("generation").GetInt64());
        Assert.True(Guid.TryParse(metadata.GetProperty("uid").GetString(), out _));
        Assert.True(long.Parse(metadata.GetProperty("resourceVersion").GetString()!) > 0);
        Assert.EndsWith("Z", metadata.GetProperty("creationTimestamp").GetString());

        var fetched = (JsonElement)await Objects.GetNamespacedCustomObjectAsync(G, V, ns, P, "u1");
        Assert.Equal(1, fetched.GetProperty("spec").GetProperty("size").GetInt32());

        var list = (JsonElement)await Objects.ListNamespacedCustomObjectAsync(G, V, ns, P);
        Assert.Equal("WidgetList", list.GetProperty("kind").GetString());
        Assert.Equal(["u1"], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()));

        JsonNode update = JsonNode.Parse(fetched.GetRawText())!;
        update["spec"]!["size"] = 2;
        var replaced = (JsonElement)await Objects.ReplaceNamespacedCustomObjectAsync(update, G, V, ns, P, "u1");
        Assert.Equal(2, replaced.GetProperty("spec").GetProperty("size").GetInt32());
        Assert.Equal(2, replaced.GetProperty("metadata").GetProperty("generation").GetInt64());
        Assert.True(long.Parse(replaced.GetProperty("metadata").GetProperty("resourceVersion").GetString()!)
            > long.Parse(metadata.GetProperty("resourceVersion").GetString()!));

        var deleted = (JsonElement)await Objects.DeleteNamespacedCustomObjectAsync(G, V, ns, P, "u1");
        Assert.Equal("u1", deleted.GetProperty("metadata").GetProperty("name").GetString());
        var missing = await Assert.ThrowsAsync<HttpOperationException>(() => Objects.GetNamespacedCustomObjectAsync(G, V, ns, P, "u1"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        V1Status status = KubernetesJson.Deserialize<V1Status>(missing.Response.Content);
        Assert.Equal(("NotFound", 404), (status.Reason, status.Code));
        Assert.Equal("widgets.test.mnemo.dev \"u1\" not found", status.Message);
    }

    [Fact]
    public async Task Typed_create_get_list_replace()
    {
        string ns = await fixture.NamespaceAsync("typed");
        Widget created = await Objects.CreateNamespacedCustomObjectAsync<Widget>(
            new Widget { Metadata = new V1ObjectMeta { Name = "t1" }, Spec = new WidgetSpec { Size = 3, Color = "red" } }, G, V, ns, P);
        Assert.Equal("t1", created.Metadata.Name);
        Assert.NotNull(created.Metadata.CreationTimestamp);

        created.Spec.Color = "blue";
        Widget replaced = await Objects.ReplaceNamespacedCustomObjectAsync<Widget>(created, G, V, ns, P, "t1");
        Assert.Equal("blue", replaced.Spec.Color);

        WidgetList list = await Objects.ListNamespacedCustomObjectAsync<WidgetList>(G, V, ns, P);
        Assert.Equal("blue", Assert.Single(list.Items).Spec.Color);
        Assert.False(string.IsNullOrEmpty(list.Metadata.ResourceVersion));
        Assert.Equal(replaced.Metadata.Uid, (await Objects.GetNamespacedCustomObjectAsync<Widget>(G, V, ns, P, "t1")).Metadata.Uid);
    }

    [Fact]
    public async Task Replace_with_a_stale_resource_version_is_a_conflict()
    {
        string ns = await fixture.NamespaceAsync("stale");
        Widget original = await Objects.CreateNamespacedCustomObjectAsync<Widget>(
            new Widget { Metadata = new V1ObjectMeta { Name = "s1" }, Spec = new WidgetSpec { Size = 1 } }, G, V, ns, P);
        original.Spec.Size = 2;
        await Objects.ReplaceNamespacedCustomObjectAsync<Widget>(original, G, V, ns, P, "s1");

        original.Spec.Size = 3; // still the first resourceVersion
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Objects.ReplaceNamespacedCustomObjectAsync<Widget>(original, G, V, ns, P, "s1"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        V1Status status = KubernetesJson.Deserialize<V1Status>(error.Response.Content);
        Assert.Equal("Conflict", status.Reason);
        Assert.Contains("the object has been modified", status.Message);
        Assert.Equal(2, (await Objects.GetNamespacedCustomObjectAsync<Widget>(G, V, ns, P, "s1")).Spec.Size);

        var duplicate = await Assert.ThrowsAsync<HttpOperationException>(() => Objects.CreateNamespacedCustomObjectAsync<Widget>(
            new Widget { Metadata = new V1ObjectMeta { Name = "s1" } }, G, V, ns, P));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Response.StatusCode);
        Assert.Equal("AlreadyExists", KubernetesJson.Deserialize<V1Status>(duplicate.Response.Content).Reason);
    }

    [Fact]
    public async Task Label_and_field_selectors_filter_lists()
    {
        string ns = await fixture.NamespaceAsync("selectors");
        await CreateAsync(ns, "gold", new() { ["tier"] = "gold", ["app"] = "x" });
        await CreateAsync(ns, "silver", new() { ["tier"] = "silver" });
        await CreateAsync(ns, "plain", []);

        async Task<string[]> Names(string? labels = null, string? fields = null) =>
            [.. (await Objects.ListNamespacedCustomObjectAsync<WidgetList>(G, V, ns, P, labelSelector: labels, fieldSelector: fields)).Items.Select(w => w.Metadata.Name).Order()];

        Assert.Equal(["gold"], await Names("tier=gold"));
        Assert.Equal(["gold"], await Names("tier==gold,app"));
        Assert.Equal(["plain", "silver"], await Names("tier!=gold"));
        Assert.Equal(["gold", "silver"], await Names("tier in (gold, silver)"));
        Assert.Equal(["plain", "silver"], await Names("tier notin (gold)"));
        Assert.Equal(["gold", "silver"], await Names("tier"));
        Assert.Equal(["plain"], await Names("!tier"));
        Assert.Equal(["silver"], await Names(fields: "metadata.name=silver"));
        Assert.Equal(["gold", "plain", "silver"], await Names(fields: $"metadata.namespace={ns}"));
        Assert.Equal(["gold", "plain"], await Names(fields: "metadata.name!=silver"));

        var bad = await Assert.ThrowsAsync<HttpOperationException>(() => Objects.ListNamespacedCustomObjectAsync(G, V, ns, P, labelSelector: "tier in gold"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.Response.StatusCode);
    }

    [Fact]
    public async Task Merge_patch_changes_spec_and_status_patch_changes_only_status()
    {
        string ns = await fixture.NamespaceAsync("patch");
        await Objects.CreateNamespacedCustomObjectAsync<Widget>(
            new Widget { Metadata = new V1ObjectMeta { Name = "p1" }, Spec = new WidgetSpec { Size = 1, Color = "red" }, Status = new WidgetStatus { Phase = "Ignored" } }, G, V, ns, P);
        Widget created = await Objects.GetNamespacedCustomObjectAsync<Widget>(G, V, ns, P, "p1");
        Assert.Null(created.Status); // status is written through /status only

        Widget patched = await Objects.PatchNamespacedCustomObjectAsync<Widget>(
            new V1Patch("""{"spec":{"size":2,"color":null},"status":{"phase":"Sneaky"}}""", V1Patch.PatchType.MergePatch), G, V, ns, P, "p1");
        Assert.Equal(2, patched.Spec.Size);
        Assert.Null(patched.Spec.Color);
        Assert.Null(patched.Status);
        Assert.Equal(2, patched.Metadata.Generation);

        Widget withStatus = await Objects.PatchNamespacedCustomObjectStatusAsync<Widget>(
            new V1Patch("""{"status":{"phase":"Ready"},"spec":{"size":99}}""", V1Patch.PatchType.MergePatch), G, V, ns, P, "p1");
        Assert.Equal("Ready", withStatus.Status!.Phase);
        Assert.Equal(2, withStatus.Spec.Size); // the status subresource ignores the spec
        Assert.Equal(2, withStatus.Metadata.Generation); // and status changes don't bump generation

        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => Objects.PatchNamespacedCustomObjectAsync(
            new V1Patch($$$"""{"metadata":{"resourceVersion":"{{{created.Metadata.ResourceVersion}}}"},"spec":{"size":3}}""", V1Patch.PatchType.MergePatch), G, V, ns, P, "p1"));
        Assert.Equal(HttpStatusCode.Conflict, stale.Response.StatusCode);

        Widget jsonPatched = await Objects.PatchNamespacedCustomObjectAsync<Widget>(
            new V1Patch("""[{"op":"test","path":"/spec/size","value":2},{"op":"replace","path":"/spec/size","value":5},{"op":"add","path":"/spec/color","value":"gold"}]""", V1Patch.PatchType.JsonPatch),
            G, V, ns, P, "p1");
        Assert.Equal((5, "gold"), (jsonPatched.Spec.Size, jsonPatched.Spec.Color));
    }

    [Fact]
    public async Task Server_side_apply_through_the_client_creates_and_merges()
    {
        string ns = await fixture.NamespaceAsync("apply");
        const string Applied = """{"apiVersion":"test.mnemo.dev/v1","kind":"Widget","metadata":{"name":"a1"},"spec":{"size":1,"color":"red"}}""";
        Widget created = await Objects.PatchNamespacedCustomObjectAsync<Widget>(new V1Patch(Applied, V1Patch.PatchType.ApplyPatch), G, V, ns, P, "a1", fieldManager: "reconciler");
        Assert.Equal(1, created.Spec.Size);

        Widget merged = await Objects.PatchNamespacedCustomObjectAsync<Widget>(
            new V1Patch("""{"apiVersion":"test.mnemo.dev/v1","kind":"Widget","metadata":{"name":"a1"},"spec":{"size":4}}""", V1Patch.PatchType.ApplyPatch),
            G, V, ns, P, "a1", fieldManager: "reconciler");
        Assert.Equal(4, merged.Spec.Size);
        Assert.Null(merged.Spec.Color);

        var noManager = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Objects.PatchNamespacedCustomObjectAsync(new V1Patch(Applied, V1Patch.PatchType.ApplyPatch), G, V, ns, P, "a1"));
        Assert.Equal(HttpStatusCode.BadRequest, noManager.Response.StatusCode);
    }

    [Fact]
    public async Task Watch_from_a_resource_version_gets_only_later_events()
    {
        string ns = await fixture.NamespaceAsync("watch");
        Widget first = await Objects.CreateNamespacedCustomObjectAsync<Widget>(new Widget { Metadata = new V1ObjectMeta { Name = "first" } }, G, V, ns, P);
        string from = first.Metadata.ResourceVersion;
        await Objects.PatchNamespacedCustomObjectAsync(new V1Patch("""{"spec":{"size":7}}""", V1Patch.PatchType.MergePatch), G, V, ns, P, "first");
        await Objects.CreateNamespacedCustomObjectAsync(new Widget { Metadata = new V1ObjectMeta { Name = "second" } }, G, V, ns, P);
        await Objects.DeleteNamespacedCustomObjectAsync(G, V, ns, P, "first");

        var events = new List<(WatchEventType Type, string Name)>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await foreach (var (type, obj) in Objects.WatchListNamespacedCustomObjectAsync(G, V, ns, P, resourceVersion: from, cancellationToken: timeout.Token))
        {
            events.Add((type, ((JsonElement)obj).GetProperty("metadata").GetProperty("name").GetString()!));
            if (events.Count == 3)
            {
                break;
            }
        }

        Assert.Equal([(WatchEventType.Modified, "first"), (WatchEventType.Added, "second"), (WatchEventType.Deleted, "first")], events);
    }

    [Fact]
    public async Task Watch_without_a_resource_version_starts_with_the_current_objects_and_ends_at_its_timeout()
    {
        string ns = await fixture.NamespaceAsync("watch0");
        await Objects.CreateNamespacedCustomObjectAsync(new Widget { Metadata = new V1ObjectMeta { Name = "existing" } }, G, V, ns, P);

        var events = new List<(WatchEventType, string)>();
        await foreach (var (type, obj) in Objects.WatchListNamespacedCustomObjectAsync(G, V, ns, P, timeoutSeconds: 1))
        {
            events.Add((type, ((JsonElement)obj).GetProperty("metadata").GetProperty("name").GetString()!));
        }

        Assert.Equal([(WatchEventType.Added, "existing")], events); // and the stream ended by itself
    }

    private Task<object> CreateAsync(string ns, string name, Dictionary<string, string> labels) =>
        Objects.CreateNamespacedCustomObjectAsync(new Widget { Metadata = new V1ObjectMeta { Name = name, Labels = labels } }, G, V, ns, P);
}
