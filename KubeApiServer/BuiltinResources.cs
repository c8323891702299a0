using System.Text.Json;

namespace Mnemo.KubeApiServer;

/// <summary>
/// The built-in kinds served: what Mnemo's local cluster, its operator, kubectl and the k8s/
/// bundle (<c>kubectl apply -k k8s/</c>: RBAC, the silo DaemonSet, its disruption budget) use. Objects
/// are stored only; nothing runs them (a Pod is a record, not a process). Their table columns
/// follow Kubernetes' own printers, and what a delete answers follows Kubernetes 1.32 (and so the
/// return types KubernetesClient expects).
/// </summary>
internal static class BuiltinResources
{
    public static IReadOnlyList<ResourceType> All { get; } =
    [
        Core("Namespace", "namespaces", namespaced: false, ["ns"], hasStatus: true, returnsDeletedObject: true,
            PrinterColumns.Text("Status", ".status.phase", "The phase of the namespace."), PrinterColumns.Age),
        Core("ConfigMap", "configmaps", namespaced: true, ["cm"], hasStatus: false, returnsDeletedObject: false,
            PrinterColumns.Computed("Data", "The number of keys in data and binaryData.", obj => (Count(obj, "data") + Count(obj, "binaryData")).ToString()),
            PrinterColumns.Age),
        Core("Secret", "secrets", namespaced: true, [], hasStatus: false, returnsDeletedObject: false,
            PrinterColumns.Text("Type", ".type", "The type of the secret."),
            PrinterColumns.Computed("Data", "The number of keys in data.", obj => Count(obj, "data").ToString()),
            PrinterColumns.Age),
        Core("Service", "services", namespaced: true, ["svc"], hasStatus: true, returnsDeletedObject: true,
            PrinterColumns.Text("Type", ".spec.type", "The type of the service."),
            PrinterColumns.Text("Cluster-IP", ".spec.clusterIP", "The IP address of the service.", "<none>"),
            PrinterColumns.Computed("External-IP", "The external IP addresses of the service.", ExternalIps),
            PrinterColumns.Computed("Port(s)", "The ports of the service.", ServicePorts),
            PrinterColumns.Age,
            PrinterColumns.Computed("Selector", "The label selector of the service.", Selector, priority: 1)),
        Core("Event", "events", namespaced: true, ["ev"], hasStatus: false, returnsDeletedObject: false,
            PrinterColumns.Computed("Last Seen", "When the event was last seen.", LastSeen),
            PrinterColumns.Text("Type", ".type", "The type of the event."),
            PrinterColumns.Text("Reason", ".reason", "Why the event happened."),
            PrinterColumns.Computed("Object", "The object the event is about.", InvolvedObject),
            PrinterColumns.Text("Message", ".message", "What happened.")),
        Core("Pod", "pods", namespaced: true, ["po"], hasStatus: true, returnsDeletedObject: true,
            PrinterColumns.Computed("Ready", "Ready containers of all containers.", PodReady),
            PrinterColumns.Text("Status", ".status.phase", "The phase of the pod.", "Pending"),
            PrinterColumns.Computed("Restarts", "Container restarts.", PodRestarts),
            PrinterColumns.Age),
        Core("ServiceAccount", "serviceaccounts", namespaced: true, ["sa"], hasStatus: false, returnsDeletedObject: false,
            PrinterColumns.Computed("Secrets", "The number of secrets of the service account.", obj => Items(obj.GetChild("secrets")).Count().ToString()),
            PrinterColumns.Age),
        Named("apps", "DaemonSet", "daemonsets", namespaced: true, ["ds"], hasStatus: true,
            PrinterColumns.Text("Desired", ".status.desiredNumberScheduled", "The number of nodes that should run the daemon pod.", "0"),
            PrinterColumns.Text("Current", ".status.currentNumberScheduled", "The number of nodes running at least one daemon pod.", "0"),
            PrinterColumns.Text("Ready", ".status.numberReady", "The number of nodes whose daemon pod is ready.", "0"),
            PrinterColumns.Text("Up-to-date", ".status.updatedNumberScheduled", "The number of nodes running the updated daemon pod.", "0"),
            PrinterColumns.Text("Available", ".status.numberAvailable", "The number of nodes whose daemon pod is available.", "0"),
            PrinterColumns.Computed("Node Selector", "The node selector of the daemon pods.", obj => Pairs(SimpleJsonPath.Evaluate(obj, ".spec.template.spec.nodeSelector"))),
            PrinterColumns.Age),
        Named("policy", "PodDisruptionBudget", "poddisruptionbudgets", namespaced: true, ["pdb"], hasStatus: true,
            PrinterColumns.Text("Min Available", ".spec.minAvailable", "The pods that must stay available.", "N/A"),
            PrinterColumns.Text("Max Unavailable", ".spec.maxUnavailable", "The pods that may be unavailable.", "N/A"),
            PrinterColumns.Text("Allowed Disruptions", ".status.disruptionsAllowed", "The pod disruptions currently allowed.", "0"),
            PrinterColumns.Age),
        Named("rbac.authorization.k8s.io", "ClusterRole", "clusterroles", namespaced: false, [], hasStatus: false, RoleCreatedAt),
        Named("rbac.authorization.k8s.io", "ClusterRoleBinding", "clusterrolebindings", namespaced: false, [], hasStatus: false,
            PrinterColumns.Computed("Role", "The role bound.", obj => $"{SimpleJsonPath.Evaluate(obj, ".roleRef.kind")?.GetString()}/{SimpleJsonPath.Evaluate(obj, ".roleRef.name")?.GetString()}"),
            PrinterColumns.Age),
        Named("rbac.authorization.k8s.io", "Role", "roles", namespaced: true, [], hasStatus: false, RoleCreatedAt),
        Named("rbac.authorization.k8s.io", "RoleBinding", "rolebindings", namespaced: true, [], hasStatus: false,
            PrinterColumns.Computed("Role", "The role bound.", obj => $"{SimpleJsonPath.Evaluate(obj, ".roleRef.kind")?.GetString()}/{SimpleJsonPath.Evaluate(obj, ".roleRef.name")?.GetString()}"),
            PrinterColumns.Age),
        new ResourceType
        {
            Group = "coordination.k8s.io", Version = "v1", Kind = "Lease", ListKind = "LeaseList", Plural = "leases", Singular = "lease",
            Namespaced = true,
            Columns = [PrinterColumns.Text("Holder", ".spec.holderIdentity", "The holder of the lease."), PrinterColumns.Age],
        },
        new ResourceType
        {
            Group = "apiextensions.k8s.io", Version = "v1", Kind = "CustomResourceDefinition", ListKind = "CustomResourceDefinitionList",
            Plural = "customresourcedefinitions", Singular = "customresourcedefinition", Namespaced = false, ShortNames = ["crd", "crds"],
            HasStatus = true,
            Columns = [new PrinterColumn("Created At", "date", "", "When the definition was created.", 0,
                obj => ObjectMeta.Metadata(obj)?.GetString("creationTimestamp"))],
        },
    ];

    public static ResourceType Namespaces { get; } = All[0];

    public static ResourceType CustomResourceDefinitions { get; } = All[^1];

    private static ResourceType Core(string kind, string plural, bool namespaced, string[] shortNames, bool hasStatus, bool returnsDeletedObject, params PrinterColumn[] columns) =>
        Named("", kind, plural, namespaced, shortNames, hasStatus, columns) with { ReturnsDeletedObject = returnsDeletedObject };

    private static ResourceType Named(string group, string kind, string plural, bool namespaced, string[] shortNames, bool hasStatus, params PrinterColumn[] columns) => new()
    {
        Group = group,
        Version = "v1",
        Kind = kind,
        ListKind = kind + "List",
        Plural = plural,
        Singular = kind.ToLowerInvariant(),
        Namespaced = namespaced,
        ShortNames = shortNames,
        HasStatus = hasStatus,
        Columns = columns,
    };

    // kubectl shows roles with their creation time, not their age.
    private static PrinterColumn RoleCreatedAt => new("Created At", "date", "", "When the role was created.", 0,
        obj => ObjectMeta.Metadata(obj)?.GetString("creationTimestamp"));

    private static string Pairs(JsonElement? map) =>
        map is { ValueKind: JsonValueKind.Object } pairs && pairs.EnumerateObject().Any()
            ? string.Join(",", pairs.EnumerateObject().Select(pair => $"{pair.Name}={Json.ScalarText(pair.Value)}"))
            : "<none>";

    private static int Count(JsonElement obj, string property) =>
        obj.GetChild(property) is { ValueKind: JsonValueKind.Object } map ? map.EnumerateObject().Count() : 0;

    private static IEnumerable<JsonElement> Items(JsonElement? array) =>
        array is { ValueKind: JsonValueKind.Array } items ? items.EnumerateArray() : [];

    private static string ServicePorts(JsonElement service)
    {
        var ports = Items(SimpleJsonPath.Evaluate(service, ".spec.ports")).Select(port =>
        {
            string number = port.GetChild("port")?.GetRawText() ?? "";
            string protocol = port.GetString("protocol") ?? "TCP";
            return port.GetChild("nodePort") is { ValueKind: JsonValueKind.Number } nodePort ? $"{number}:{nodePort.GetRawText()}/{protocol}" : $"{number}/{protocol}";
        }).ToList();
        return ports.Count > 0 ? string.Join(",", ports) : "<none>";
    }

    private static string ExternalIps(JsonElement service)
    {
        var addresses = Items(SimpleJsonPath.Evaluate(service, ".spec.externalIPs")).Select(Json.ScalarText)
            .Concat(Items(SimpleJsonPath.Evaluate(service, ".status.loadBalancer.ingress")).Select(ingress => ingress.GetString("ip") ?? ingress.GetString("hostname") ?? ""))
            .Where(address => address.Length > 0)
            .ToList();
        return addresses.Count > 0 ? string.Join(",", addresses) : SimpleJsonPath.Evaluate(service, ".spec.type")?.GetString() == "LoadBalancer" ? "<pending>" : "<none>";
    }

    private static string Selector(JsonElement service) =>
        SimpleJsonPath.Evaluate(service, ".spec.selector") is { ValueKind: JsonValueKind.Object } selector && selector.EnumerateObject().Any()
            ? string.Join(",", selector.EnumerateObject().Select(label => $"{label.Name}={Json.ScalarText(label.Value)}"))
            : "<none>";

    private static string LastSeen(JsonElement @event)
    {
        string? time = @event.GetString("lastTimestamp") ?? @event.GetString("eventTime") ?? ObjectMeta.Metadata(@event)?.GetString("creationTimestamp");
        return HumanDuration.Since(time);
    }

    private static string InvolvedObject(JsonElement @event)
    {
        JsonElement? involved = @event.GetChild("involvedObject") ?? @event.GetChild("regarding");
        return involved is { } target ? $"{target.GetString("kind")?.ToLowerInvariant()}/{target.GetString("name")}" : "";
    }

    private static string PodReady(JsonElement pod)
    {
        int containers = Items(SimpleJsonPath.Evaluate(pod, ".spec.containers")).Count();
        int ready = Items(SimpleJsonPath.Evaluate(pod, ".status.containerStatuses")).Count(status => status.GetChild("ready")?.ValueKind == JsonValueKind.True);
        return $"{ready}/{containers}";
    }

    private static string PodRestarts(JsonElement pod) =>
        Items(SimpleJsonPath.Evaluate(pod, ".status.containerStatuses"))
            .Sum(status => status.GetChild("restartCount") is { ValueKind: JsonValueKind.Number } restarts ? restarts.GetInt32() : 0)
            .ToString();
}
