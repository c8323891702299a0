using Mnemo.DataPlane;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mnemo.Grains;

/// <summary>
/// Reads a <c>Memshack</c> manifest (YAML or JSON) into a <see cref="MemshackResource"/>. Every problem
/// found is reported at once, with its field path, so a user fixes a manifest in one round.
/// Unknown spec fields are errors: a misspelt <c>num_shard</c> silently falling back to the default
/// would be worse than a refusal.
/// </summary>
public static class MemshackManifestParser
{
    public static MemshackResource Parse(string manifest)
    {
        var errors = new List<string>();
        YamlMappingNode root = LoadRoot(manifest);

        string? apiVersion = ScalarOrNull(root, "apiVersion");
        if (apiVersion != MemshackResource.ApiVersion)
        {
            errors.Add($"apiVersion: expected '{MemshackResource.ApiVersion}', got '{apiVersion ?? "(missing)"}'");
        }
        string? kind = ScalarOrNull(root, "kind");
        if (kind != MemshackResource.Kind)
        {
            errors.Add($"kind: expected '{MemshackResource.Kind}', got '{kind ?? "(missing)"}'");
        }

        string name = "";
        string @namespace = "default";
        if (Child(root, "metadata") is YamlMappingNode metadata)
        {
            name = ScalarOrNull(metadata, "name") ?? "";
            @namespace = ScalarOrNull(metadata, "namespace") ?? "default";
        }
        if (name.Length == 0)
        {
            errors.Add("metadata.name: required");
        }

        var spec = new MemshackSpec();
        switch (Child(root, "spec"))
        {
            case null:
                break;
            case YamlMappingNode specNode:
                spec = ReadSpec(specNode, errors);
                break;
            default:
                errors.Add("spec: expected a mapping");
                break;
        }

        if (errors.Count > 0)
        {
            throw new MemshackManifestException(errors);
        }
        return new MemshackResource(name, @namespace, spec);
    }

    private static MemshackSpec ReadSpec(YamlMappingNode node, List<string> errors)
    {
        var spec = new MemshackSpec();
        foreach (var (keyNode, valueNode) in node.Children)
        {
            string field = ((YamlScalarNode)keyNode).Value ?? "";
            string path = "spec." + field;
            switch (field)
            {
                case "num_shards":
                    spec = spec with { NumShards = ReadInt(valueNode, path, errors, spec.NumShards) };
                    break;
                case "num_replicas":
                    spec = spec with { NumReplicas = ReadInt(valueNode, path, errors, spec.NumReplicas) };
                    break;
                case "mcrouter_pool_size":
                    spec = spec with { McrouterPoolSize = ReadInt(valueNode, path, errors, spec.McrouterPoolSize) };
                    break;
                case "mcrouter_port":
                    spec = spec with { McrouterPort = ReadInt(valueNode, path, errors, spec.McrouterPort) };
                    break;
                case "memcached_image":
                    spec = spec with { MemcachedImage = ReadString(valueNode, path, errors, spec.MemcachedImage) };
                    break;
                case "mcrouter_image":
                    spec = spec with { McrouterImage = ReadString(valueNode, path, errors, spec.McrouterImage) };
                    break;
                case "writeQuorum":
                    spec = spec with { WriteQuorum = ReadQuorum(valueNode, path, errors) };
                    break;
                default:
                    errors.Add($"{path}: unknown field (known: num_shards, num_replicas, mcrouter_pool_size, mcrouter_port, memcached_image, mcrouter_image, writeQuorum)");
                    break;
            }
        }
        return spec;
    }

    private static YamlMappingNode LoadRoot(string manifest)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(manifest));
        }
        catch (YamlException e)
        {
            throw new MemshackManifestException([$"not valid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}"]);
        }
        if (stream.Documents.Count != 1)
        {
            throw new MemshackManifestException([$"expected exactly one YAML document, found {stream.Documents.Count}"]);
        }
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new MemshackManifestException(["the document must be a mapping (apiVersion, kind, metadata, spec)"]);
        }
        return root;
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? child) ? child : null;

    private static string? ScalarOrNull(YamlMappingNode node, string key) => (Child(node, key) as YamlScalarNode)?.Value;

    private static int ReadInt(YamlNode node, string path, List<string> errors, int fallback)
    {
        if (node is YamlScalarNode { Value: { } text }
            && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            return value;
        }
        errors.Add($"{path}: expected an integer, got '{Describe(node)}'");
        return fallback;
    }

    private static string ReadString(YamlNode node, string path, List<string> errors, string fallback)
    {
        if (node is YamlScalarNode { Value: { } text })
        {
            return text;
        }
        errors.Add($"{path}: expected a string");
        return fallback;
    }

    private static WriteQuorum ReadQuorum(YamlNode node, string path, List<string> errors)
    {
        switch ((node as YamlScalarNode)?.Value)
        {
            case "all":
                return WriteQuorum.All;
            case "majority":
                return WriteQuorum.Majority;
            case "one":
                return WriteQuorum.One;
            default:
                errors.Add($"{path}: expected one of all, majority, one; got '{Describe(node)}'");
                return WriteQuorum.All;
        }
    }

    private static string Describe(YamlNode node) => node is YamlScalarNode scalar ? scalar.Value ?? "" : node.NodeType.ToString().ToLowerInvariant();
}
