using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>The machine's real kubectl against the server: the flows of KUBECTL-API.md.</summary>
[Collection("server")]
public sealed partial class KubectlTests(ServerFixture fixture)
{
    private Kubectl Kubectl => fixture.Kubectl;

    [Fact]
    public async Task Apply_creates_then_reports_unchanged_then_patches_a_change()
    {
        string ns = await fixture.NamespaceAsync("apply");
        string file = fixture.Folder.File($"{ns}/widget.yaml", Widget(ns, "w1", size: 3, color: "red"));

        AssertSucceeded(await Kubectl.RunAsync("apply", "-f", file), "widget.test.mnemo.dev/w1 created");
        AssertSucceeded(await Kubectl.RunAsync("apply", "-f", file), "widget.test.mnemo.dev/w1 unchanged");
        File.WriteAllText(file, Widget(ns, "w1", size: 5, color: "red"));
        AssertSucceeded(await Kubectl.RunAsync("apply", "-f", file), "widget.test.mnemo.dev/w1 configured");

        Widget stored = await fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync<Widget>(TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "w1");
        Assert.Equal(5, stored.Spec.Size);
        Assert.Equal(2, stored.Metadata.Generation);
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", stored.Metadata.Annotations.Keys);
    }

    [Fact]
    public async Task Get_prints_the_printer_columns_of_the_crd()
    {
        string ns = await fixture.NamespaceAsync("columns");
        await CreateWidgetAsync(ns, "w1", 3, "red");
        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"phase":"Ready"}}""", V1Patch.PatchType.MergePatch), TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "w1");
        await CreateWidgetAsync(ns, "w2", 7, "blue");

        Kubectl.Result result = await Kubectl.RunAsync("get", "widgets", "-n", ns);

        AssertSucceeded(result);
        string[][] table = Table(result.Stdout);
        Assert.Equal(["NAME", "SIZE", "COLOR", "PHASE", "AGE"], table[0]);
        Assert.Equal(["w1", "3", "red", "Ready"], table[1][..4]);
        Assert.Equal(["w2", "7", "blue", ""], table[2][..4]); // kubectl prints a missing value as an empty cell
        Assert.Matches(@"^\d+s$", table[1][4]);
    }

    [Fact]
    public async Task Get_across_namespaces_adds_the_namespace_column_and_short_names_work()
    {
        string ns = await fixture.NamespaceAsync("allns");
        await CreateWidgetAsync(ns, "across", 1, "green");

        Kubectl.Result result = await Kubectl.RunAsync("get", "wd", "-A");

        AssertSucceeded(result);
        string[][] table = Table(result.Stdout);
        Assert.Equal(["NAMESPACE", "NAME", "SIZE", "COLOR", "PHASE", "AGE"], table[0]);
        Assert.Contains(table, row => row[0] == ns && row[1] == "across" && row[2] == "1");
    }

    [Fact]
    public async Task Get_json_and_jsonpath_print_the_stored_object()
    {
        string ns = await fixture.NamespaceAsync("json");
        await CreateWidgetAsync(ns, "w1", 4, "teal");

        Kubectl.Result json = await Kubectl.RunAsync("get", "widget", "w1", "-n", ns, "-o", "json");
        AssertSucceeded(json);
        JsonNode obj = JsonNode.Parse(json.Stdout)!;
        Assert.Equal("Widget", (string?)obj["kind"]);
        Assert.Equal(4, (int?)obj["spec"]!["size"]);
        Assert.False(string.IsNullOrEmpty((string?)obj["metadata"]!["uid"]));

        Kubectl.Result jsonPath = await Kubectl.RunAsync("get", "widgets", "-n", ns, "-o", "jsonpath={.items[0].spec.color}/{.items[0].metadata.name}");
        AssertSucceeded(jsonPath);
        Assert.Equal("teal/w1", jsonPath.Stdout);
    }

    [Fact]
    public async Task Get_watch_prints_a_line_per_change()
    {
        string ns = await fixture.NamespaceAsync("watch");
        await CreateWidgetAsync(ns, "watched", 3, "red");

        // -v=6 logs the watch request once it is answered: kubectl watches one object from resourceVersion 0
        // and drops the first event (the state it printed), so a change made before that would be lost.
        using Kubectl.Streaming watch = Kubectl.Start("get", "widget", "watched", "-n", ns, "-w", "-v=6");
        string first = await watch.WaitForLineAsync(line => line.StartsWith("watched", StringComparison.Ordinal));
        Assert.Equal(["watched", "3", "red"], Columns(first)[..3]);
        await watch.WaitForLineAsync(line => line.StartsWith("stderr:", StringComparison.Ordinal) && line.Contains("watch=true") && line.Contains(" 200 OK"));

        await fixture.Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"size":9}}""", V1Patch.PatchType.MergePatch), TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "watched");

        string changed = await watch.WaitForLineAsync(line => line.StartsWith("watched", StringComparison.Ordinal));
        Assert.Equal(["watched", "9", "red"], Columns(changed)[..3]);
    }

    [Fact]
    public async Task Delete_removes_the_object()
    {
        string ns = await fixture.NamespaceAsync("delete");
        await CreateWidgetAsync(ns, "doomed", 1, "red");

        AssertSucceeded(await Kubectl.RunAsync("delete", "widget", "doomed", "-n", ns), "widget.test.mnemo.dev \"doomed\" deleted");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync(TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "doomed"));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    [Fact]
    public async Task Server_side_apply_creates_updates_removes_dropped_fields_and_reports_conflicts()
    {
        string ns = await fixture.NamespaceAsync("ssa");
        string file = fixture.Folder.File($"{ns}/ssa.yaml", Widget(ns, "applied", size: 2, color: "red"));

        AssertSucceeded(await Kubectl.RunAsync("apply", "--server-side", "-f", file), "widget.test.mnemo.dev/applied serverside-applied");
        File.WriteAllText(file, Widget(ns, "applied", size: 6, color: null));
        AssertSucceeded(await Kubectl.RunAsync("apply", "--server-side", "-f", file), "widget.test.mnemo.dev/applied serverside-applied");

        Widget stored = await fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync<Widget>(TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "applied");
        Assert.Equal(6, stored.Spec.Size);
        Assert.Null(stored.Spec.Color); // the manager stopped applying it, and nobody else owns it
        V1ManagedFieldsEntry managed = Assert.Single(stored.Metadata.ManagedFields);
        Assert.Equal(("kubectl", "Apply"), (managed.Manager, managed.Operation));

        string other = fixture.Folder.File($"{ns}/other.yaml", Widget(ns, "applied", size: 8, color: null));
        Kubectl.Result conflict = await Kubectl.RunAsync("apply", "--server-side", "--field-manager", "other", "-f", other);
        Assert.Equal(1, conflict.ExitCode);
        Assert.Contains("conflict with \"kubectl\"", conflict.Stderr);
        Assert.Contains(".spec.size", conflict.Stderr);

        AssertSucceeded(await Kubectl.RunAsync("apply", "--server-side", "--field-manager", "other", "--force-conflicts", "-f", other));
        stored = await fixture.Client.CustomObjects.GetNamespacedCustomObjectAsync<Widget>(TestResources.Group, TestResources.Version, ns, TestResources.Widgets, "applied");
        Assert.Equal(8, stored.Spec.Size);
    }

    [Fact]
    public async Task Apply_k_applies_a_namespace_a_crd_and_a_custom_object()
    {
        string ns = $"kustomized-{Guid.NewGuid().ToString("N")[..6]}";
        string dir = Path.Combine(fixture.Folder.Path, ns);
        fixture.Folder.File($"{ns}/kustomization.yaml", "resources:\n- namespace.yaml\n- crd.yaml\n- gizmo.yaml\n");
        fixture.Folder.File($"{ns}/namespace.yaml", $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n");
        fixture.Folder.File($"{ns}/crd.yaml", TestResources.GizmoCrd);
        fixture.Folder.File($"{ns}/gizmo.yaml", $"apiVersion: kustomize.test.mnemo.dev/v1\nkind: Gizmo\nmetadata:\n  name: g1\n  namespace: {ns}\nspec:\n  level: 4\n");

        Kubectl.Result first = await Kubectl.RunAsync("apply", "-k", dir);
        AssertSucceeded(first, $"namespace/{ns} created");
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/gizmos.kustomize.test.mnemo.dev", first.Stdout);
        Assert.Contains("gizmo.kustomize.test.mnemo.dev/g1 created", first.Stdout);

        Kubectl.Result second = await Kubectl.RunAsync("apply", "-k", dir);
        AssertSucceeded(second, "gizmo.kustomize.test.mnemo.dev/g1 unchanged");
        Assert.Contains($"namespace/{ns} unchanged", second.Stdout);
        Assert.Contains("customresourcedefinition.apiextensions.k8s.io/gizmos.kustomize.test.mnemo.dev unchanged", second.Stdout);

        string[][] table = Table((await Kubectl.RunAsync("get", "gizmos", "-n", ns)).Stdout);
        Assert.Equal(["NAME", "LEVEL"], table[0]);
        Assert.Equal(["g1", "4"], table[1]);
    }

    [Fact]
    public async Task Reapplying_a_service_and_a_configmap_merges_strategically()
    {
        string ns = await fixture.NamespaceAsync("smp");
        string Manifest(int secondPort, string key, string value) => $$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: {{ns}}
            spec:
              selector: {app: web}
              ports:
              - {name: http, port: 80, targetPort: 8080}
              - {name: second, port: {{secondPort}}}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: {{ns}}
            data:
              a: "1"
              {{key}}: "{{value}}"
            """;
        string file = fixture.Folder.File($"{ns}/web.yaml", Manifest(443, "b", "2"));
        Kubectl.Result created = await Kubectl.RunAsync("apply", "-f", file);
        AssertSucceeded(created, "service/web created");
        Assert.Contains("configmap/settings created", created.Stdout);

        File.WriteAllText(file, Manifest(8443, "c", "3"));
        Kubectl.Result configured = await Kubectl.RunAsync("apply", "-f", file);
        AssertSucceeded(configured, "service/web configured");
        Assert.Contains("configmap/settings configured", configured.Stdout);

        V1Service service = await fixture.Client.CoreV1.ReadNamespacedServiceAsync("web", ns);
        Assert.Equal([80, 8443], service.Spec.Ports.Select(p => p.Port));
        Assert.Equal("8080", service.Spec.Ports[0].TargetPort.Value);
        Assert.Equal("ClusterIP", service.Spec.Type);
        V1ConfigMap config = await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["c"] = "3" }, config.Data);

        string[][] services = Table((await Kubectl.RunAsync("get", "svc", "-n", ns)).Stdout);
        Assert.Equal(["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], services[0]);
        Assert.Equal(["web", "ClusterIP", "<none>", "<none>", "80/TCP,8443/TCP"], services[1][..5]);
    }

    [Fact]
    public async Task Get_memshacks_uses_the_repository_crd()
    {
        string ns = await fixture.NamespaceAsync("memshack");
        string file = fixture.Folder.File($"{ns}/memshack.yaml", $"""
            apiVersion: mnemo.dev/v1alpha1
            kind: Memshack
            metadata:
              name: cache
              namespace: {ns}
            spec:
              num_shards: 4
              num_replicas: 2
              mcrouter_port: 5000
              writeQuorum: majority
            """);
        AssertSucceeded(await Kubectl.RunAsync("apply", "-f", file), "memshack.mnemo.dev/cache created");

        Kubectl.Result result = await Kubectl.RunAsync("get", "memshacks", "-n", ns);

        AssertSucceeded(result);
        string[][] table = Table(result.Stdout);
        Assert.Equal(["NAME", "SHARDS", "REPLICAS", "PORT", "QUORUM", "PHASE", "MOVE", "MOVED", "REMAINING", "AGE"], table[0]);
        Assert.Equal(["cache", "4", "2", "5000", "majority"], table[1][..5]);
    }

    [Fact]
    public async Task Get_of_a_missing_object_prints_not_found_and_fails()
    {
        string ns = await fixture.NamespaceAsync("missing");

        Kubectl.Result result = await Kubectl.RunAsync("get", "widget", "nope", "-n", ns);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Error from server (NotFound): widgets.test.mnemo.dev \"nope\" not found", result.Stderr);
    }

    [Fact]
    public async Task Create_namespace_configmap_and_secret_work_although_kubectl_sends_them_as_protobuf()
    {
        string ns = $"created-{Guid.NewGuid().ToString("N")[..6]}";

        AssertSucceeded(await Kubectl.RunAsync("create", "namespace", ns), $"namespace/{ns} created");
        AssertSucceeded(await Kubectl.RunAsync("create", "configmap", "settings", "-n", ns, "--from-literal=a=1", "--from-literal=b=two"), "configmap/settings created");
        AssertSucceeded(await Kubectl.RunAsync("create", "secret", "generic", "creds", "-n", ns, "--from-literal=password=s3cret"), "secret/creds created");

        V1ConfigMap config = await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("settings", ns);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "two" }, config.Data);
        V1Secret secret = await fixture.Client.CoreV1.ReadNamespacedSecretAsync("creds", ns);
        Assert.Equal(("Opaque", "s3cret"), (secret.Type, System.Text.Encoding.UTF8.GetString(secret.Data["password"])));
    }

    [Fact]
    public async Task Get_namespaces_and_crds_show_their_builtin_columns()
    {
        string ns = await fixture.NamespaceAsync("builtin");

        string[][] namespaces = Table((await Kubectl.RunAsync("get", "namespaces")).Stdout);
        Assert.Equal(["NAME", "STATUS", "AGE"], namespaces[0]);
        Assert.Contains(namespaces, row => row[0] == ns && row[1] == "Active");
        Assert.Contains(namespaces, row => row[0] == "default");

        string[][] crds = Table((await Kubectl.RunAsync("get", "crds")).Stdout);
        Assert.Equal(["NAME", "CREATED AT"], crds[0]);
        Assert.Contains(crds, row => row[0] == "memshacks.mnemo.dev");
    }

    private async Task CreateWidgetAsync(string ns, string name, int size, string color) =>
        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new Widget { Metadata = new V1ObjectMeta { Name = name }, Spec = new WidgetSpec { Size = size, Color = color } },
            TestResources.Group, TestResources.Version, ns, TestResources.Widgets);

    private static string Widget(string ns, string name, int size, string? color) => $"""
        apiVersion: test.mnemo.dev/v1
        kind: Widget
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          size: {size}
        {(color is null ? "" : $"  color: {color}")}
        """;

    private static void AssertSucceeded(Kubectl.Result result, string? expectedLine = null)
    {
        Assert.True(result.ExitCode == 0, $"kubectl failed ({result.ExitCode}): {result.Output}");
        if (expectedLine is not null)
        {
            Assert.Contains(expectedLine, result.Stdout.Split('\n').Select(line => line.Trim()));
        }
    }

    // kubectl aligns columns under their headers, which are separated by at least two spaces (CREATED AT has one).
    private static string[][] Table(string output)
    {
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int[] starts = [0, .. ColumnGap().Matches(lines[0]).Select(gap => gap.Index + gap.Length)];
        return [.. lines.Select(line => starts
            .Select((start, i) => start >= line.Length ? "" : line[start..(i + 1 < starts.Length ? Math.Min(starts[i + 1], line.Length) : line.Length)].Trim())
            .ToArray())];
    }

    private static string[] Columns(string line) => ColumnGap().Split(line.Trim());

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex ColumnGap();
}
