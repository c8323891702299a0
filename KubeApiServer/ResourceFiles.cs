using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using YamlDotNet.Core;

namespace Mnemo.KubeApiServer;

/// <summary>
/// The objects of <see cref="KubeApiServerOptions.ResourcePaths"/>, applied at start-up:
/// CustomResourceDefinitions first (created, or replaced when their file changed), then
/// Namespaces, then everything else (created when missing), so that every kind is in discovery
/// before the first request. Folders are read recursively (*.yaml, *.yml, *.json), except
/// kustomization files.
/// </summary>
internal static class ResourceFiles
{
    public static void Apply(IReadOnlyList<string> paths, ResourceRegistry registry, ResourceStore resources, ILogger logger)
    {
        var documents = paths.SelectMany(Files).SelectMany(file => Read(file).Select(obj => (File: file, Object: obj))).ToList();
        static int Order(JsonObject obj) => obj.GetString("kind") switch { "CustomResourceDefinition" => 0, "Namespace" => 1, _ => 2 };
        foreach (var (file, obj) in documents.OrderBy(d => Order(d.Object)))
        {
            string apiVersion = obj.GetString("apiVersion") ?? "";
            string kind = obj.GetString("kind") ?? "";
            ResourceType type = registry.FindKind(apiVersion, kind) ?? throw new InvalidDataException($"{file}: no served kind {kind} in {apiVersion}");
            JsonObject metadata = ObjectMeta.Metadata(obj);
            string name = metadata.GetString("name") ?? throw new InvalidDataException($"{file}: a {kind} without metadata.name");
            string ns = type.Namespaced ? metadata.GetString("namespace") ?? "default" : "";
            try
            {
                if (resources.Find(type, ns, name) is not { } stored)
                {
                    resources.Create(type, ns, obj, new WriteOptions());
                    logger.LogDebug("Created {Kind} {Name} from {File}", kind, name, file);
                }
                else if (type == BuiltinResources.CustomResourceDefinitions && SpecDiffers(stored, obj))
                {
                    metadata.Remove("resourceVersion");
                    resources.Replace(type, "", name, null, obj, new WriteOptions());
                    logger.LogDebug("Updated {Kind} {Name} from {File}", kind, name, file);
                }
            }
            catch (KubeApiException e)
            {
                throw new InvalidDataException($"{file}: {e.Message}", e);
            }
        }
    }

    private static IEnumerable<string> Files(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }
        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"resource path {path} does not exist", path);
        }
        return Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(file => Path.GetExtension(file) is ".yaml" or ".yml" or ".json")
            .Where(file => !Path.GetFileNameWithoutExtension(file).Equals("kustomization", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal);
    }

    private static IEnumerable<JsonObject> Read(string file)
    {
        List<JsonNode> documents;
        try
        {
            documents = YamlToJson.Documents(File.ReadAllText(file));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{file}: {e.Message}", e);
        }
        foreach (JsonNode document in documents)
        {
            if (document is not JsonObject obj)
            {
                throw new InvalidDataException($"{file}: a document that is not an object");
            }
            // A List (what kubectl get -o yaml writes) holds the objects.
            if (obj.GetString("kind") == "List" && obj["items"] is JsonArray items)
            {
                foreach (JsonObject item in items.OfType<JsonObject>())
                {
                    yield return (JsonObject)item.DeepClone();
                }
            }
            else
            {
                yield return obj;
            }
        }
    }

    private static bool SpecDiffers(JsonElement stored, JsonObject file) =>
        !JsonNode.DeepEquals(stored.GetChild("spec") is { } spec ? JsonNode.Parse(spec.GetRawText()) : null, file["spec"]);
}
