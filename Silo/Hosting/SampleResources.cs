using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Mnemo.Silo;

/// <summary>
/// Applies the sample manifests that the API does not hold yet, as <c>kubectl apply --server-side</c>
/// would create them; an object that exists is left as the user last changed it.
/// </summary>
public static class SampleResources
{
    /// <returns><c>kind namespace/name</c> of each object created.</returns>
    public static async Task<IReadOnlyList<string>> ApplyMissingAsync(Uri api, string folder)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(10) };
        var created = new List<string>();
        foreach (string path in Directory.EnumerateFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
        {
            var stream = new YamlStream();
            using (var reader = new StreamReader(path))
                stream.Load(reader);
            foreach (YamlDocument document in stream.Documents)
            {
                if (document.RootNode is not YamlMappingNode root)
                    continue;
                string apiVersion = Scalar(root, "apiVersion"), kind = Scalar(root, "kind");
                var metadata = (YamlMappingNode)root.Children[new YamlScalarNode("metadata")];
                string name = Scalar(metadata, "name");
                string ns = metadata.Children.ContainsKey(new YamlScalarNode("namespace")) ? Scalar(metadata, "namespace") : "default";
                string collection = $"{(apiVersion.Contains('/') ? "/apis/" : "/api/")}{apiVersion}/namespaces/{ns}/{await PluralAsync(http, apiVersion, kind)}";
                using (HttpResponseMessage existing = await http.GetAsync($"{collection}/{name}"))
                {
                    if (existing.StatusCode != HttpStatusCode.NotFound)
                        continue;
                }
                var serializer = new YamlStream(new YamlDocument(root));
                using var text = new StringWriter();
                serializer.Save(text, assignAnchors: false);
                using var body = new StringContent(text.ToString(), Encoding.UTF8);
                body.Headers.ContentType = new MediaTypeHeaderValue("application/apply-patch+yaml");
                using HttpResponseMessage response = await http.PatchAsync($"{collection}/{name}?fieldManager=mnemo-dev-cluster", body);
                if (!response.IsSuccessStatusCode)
                    throw new InvalidOperationException($"applying {path} failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                created.Add($"{kind} {ns}/{name}");
            }
        }
        return created;
    }

    private static async Task<string> PluralAsync(HttpClient http, string apiVersion, string kind)
    {
        using JsonDocument resources = JsonDocument.Parse(await http.GetStringAsync(apiVersion.Contains('/') ? $"/apis/{apiVersion}" : "/api/v1"));
        foreach (JsonElement resource in resources.RootElement.GetProperty("resources").EnumerateArray())
        {
            if (resource.GetProperty("kind").GetString() == kind && !resource.GetProperty("name").GetString()!.Contains('/'))
                return resource.GetProperty("name").GetString()!;
        }
        throw new InvalidOperationException($"the API serves no kind {kind} in {apiVersion}");
    }

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out YamlNode? value) && value is YamlScalarNode { Value: { } text }
            ? text
            : throw new InvalidOperationException($"a sample manifest lacks {key}");
}
