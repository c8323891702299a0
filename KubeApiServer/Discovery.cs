using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// Legacy discovery, which kubectl falls back to when aggregated discovery is not offered:
/// <c>/api</c> (APIVersions), <c>/apis</c> (APIGroupList), <c>/apis/{group}</c> (APIGroup) and the
/// APIResourceList of each group version, read from the registry on every request so that a new
/// CRD's kinds appear at once. Also <c>/version</c>.
/// </summary>
internal static class Discovery
{
    private static readonly string[] Verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] StatusVerbs = ["get", "patch", "update"];

    /// <summary>
    /// Kubernetes 1.32: kubectl on this machine is a dispatcher that picks its bundled client by
    /// the server's minor version, and 32 selects the built-in one.
    /// </summary>
    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = "v1.32.4",
        ["gitCommit"] = "59526cd4867447956156ae3a602fcbac10a2c335",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-04-22T16:02:27Z",
        ["goVersion"] = "go1.23.6",
        ["compiler"] = "gc",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject ApiVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject GroupList(ResourceRegistry registry) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. registry.Groups.Select(group => (JsonNode)Group(group))]),
    };

    public static JsonObject? Group(ResourceRegistry registry, string name) =>
        registry.Groups.FirstOrDefault(group => group.Name == name) is { } found ? Group(found) : null;

    public static JsonObject? ResourceList(ResourceRegistry registry, string group, string version)
    {
        if (registry.InGroupVersion(group, version) is not { } types)
        {
            return null;
        }
        var resources = new JsonArray();
        foreach (ResourceType type in types)
        {
            var resource = new JsonObject
            {
                ["name"] = type.Plural,
                ["singularName"] = type.Singular,
                ["namespaced"] = type.Namespaced,
                ["kind"] = type.Kind,
                ["verbs"] = new JsonArray([.. Verbs.Select(v => (JsonNode)JsonValue.Create(v))]),
            };
            if (type.ShortNames.Count > 0)
            {
                resource["shortNames"] = new JsonArray([.. type.ShortNames.Select(n => (JsonNode)JsonValue.Create(n))]);
            }
            if (type.Categories.Count > 0)
            {
                resource["categories"] = new JsonArray([.. type.Categories.Select(c => (JsonNode)JsonValue.Create(c))]);
            }
            resources.Add(resource);
            if (type.HasStatus)
            {
                resources.Add(new JsonObject
                {
                    ["name"] = type.Plural + "/status",
                    ["singularName"] = "",
                    ["namespaced"] = type.Namespaced,
                    ["kind"] = type.Kind,
                    ["verbs"] = new JsonArray([.. StatusVerbs.Select(v => (JsonNode)JsonValue.Create(v))]),
                });
            }
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["apiVersion"] = "v1",
            ["groupVersion"] = group.Length == 0 ? version : $"{group}/{version}",
            ["resources"] = resources,
        };
    }

    private static JsonObject Group(ApiGroup group)
    {
        JsonObject VersionEntry(string version) => new() { ["groupVersion"] = $"{group.Name}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group.Name,
            ["versions"] = new JsonArray([.. group.Versions.Select(v => (JsonNode)VersionEntry(v))]),
            ["preferredVersion"] = VersionEntry(group.Versions[0]),
        };
    }
}
