using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>The pure parts: selectors, patches, ages, YAML scalars.</summary>
public sealed class UnitTests
{
    private static JsonElement Labels(string json) => JsonDocument.Parse(json).RootElement;

    [Theory]
    [InlineData("a=1", true)]
    [InlineData("a==1,b", true)]
    [InlineData("a!=1", false)]
    [InlineData("c!=1", true)]
    [InlineData("a in (1, 2)", true)]
    [InlineData("a notin (1)", false)]
    [InlineData("!c", true)]
    [InlineData("!a", false)]
    [InlineData("b=", true)]
    [InlineData("x.io/k=v", true)]
    public void Label_selectors_follow_kubernetes_semantics(string selector, bool matches) =>
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(Labels("""{"a":"1","b":"","x.io/k":"v"}""")));

    [Theory]
    [InlineData("a in 1")]
    [InlineData("a in (1")]
    [InlineData("a ~ b")]
    [InlineData("=a")]
    public void Malformed_label_selectors_are_bad_requests(string selector) =>
        Assert.Equal(400, Assert.Throws<KubeApiException>(() => LabelSelector.Parse(selector)).Code);

    [Fact]
    public void Merge_patch_follows_rfc_7386()
    {
        var target = JsonNode.Parse("""{"a":"b","c":{"d":"e","f":"g"},"l":[1,2]}""")!.AsObject();
        MergePatch.Apply(target, JsonNode.Parse("""{"a":"z","c":{"f":null},"l":[3],"n":{"m":1}}""")!.AsObject());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":"z","c":{"d":"e"},"l":[3],"n":{"m":1}}"""), target), target.ToJsonString());
    }

    [Fact]
    public void Strategic_merge_patch_merges_service_ports_by_port_and_honours_directives()
    {
        var service = JsonNode.Parse("""
            {"metadata":{"finalizers":["a"]},"spec":{"ports":[{"name":"http","port":80,"protocol":"TCP"},{"name":"old","port":443}],"selector":{"app":"web","old":"x"}}}
            """)!.AsObject();
        var patch = JsonNode.Parse("""
            {"metadata":{"finalizers":["b"]},
             "spec":{"$setElementOrder/ports":[{"port":8443},{"port":80}],
                     "ports":[{"name":"new","port":8443},{"$patch":"delete","port":443},{"port":80,"targetPort":8080}],
                     "selector":{"old":null}}}
            """)!.AsObject();

        StrategicMergePatch.Apply("Service", service, patch);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"metadata":{"finalizers":["a","b"]},
             "spec":{"ports":[{"name":"new","port":8443},{"name":"http","port":80,"protocol":"TCP","targetPort":8080}],"selector":{"app":"web"}}}
            """), service), service.ToJsonString());
    }

    [Fact]
    public void Strategic_merge_patch_replace_directive_replaces_a_map()
    {
        var obj = JsonNode.Parse("""{"data":{"a":"1","b":"2"}}""")!.AsObject();
        StrategicMergePatch.Apply("ConfigMap", obj, JsonNode.Parse("""{"data":{"$patch":"replace","c":"3"}}""")!.AsObject());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"data":{"c":"3"}}"""), obj), obj.ToJsonString());
    }

    [Fact]
    public void Json_patch_applies_all_operations_or_fails_with_422()
    {
        var obj = JsonNode.Parse("""{"a":{"b":[1,2]},"c":"d"}""")!.AsObject();
        JsonPatch.Apply(obj, JsonNode.Parse("""
            [{"op":"add","path":"/a/b/-","value":3},{"op":"remove","path":"/a/b/0"},{"op":"copy","from":"/c","path":"/e"},
             {"op":"move","from":"/c","path":"/f~1g"},{"op":"test","path":"/e","value":"d"},{"op":"replace","path":"/a/b/0","value":9}]
            """)!.AsArray());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":{"b":[9,3]},"e":"d","f/g":"d"}"""), obj), obj.ToJsonString());

        Assert.Equal(422, Assert.Throws<KubeApiException>(() => JsonPatch.Apply(obj, JsonNode.Parse("""[{"op":"test","path":"/e","value":"x"}]""")!.AsArray())).Code);
        Assert.Equal(422, Assert.Throws<KubeApiException>(() => JsonPatch.Apply(obj, JsonNode.Parse("""[{"op":"remove","path":"/nope"}]""")!.AsArray())).Code);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(59, "59s")]
    [InlineData(119, "119s")]
    [InlineData(312, "5m12s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(5 * 3600 + 120, "5h2m")]
    [InlineData(20 * 3600, "20h")]
    [InlineData(2 * 86400, "2d")]
    [InlineData(3 * 86400 + 4 * 3600, "3d4h")]
    [InlineData(30 * 86400, "30d")]
    [InlineData(3 * 365 * 86400, "3y")]
    public void Ages_read_like_kubectl(int seconds, string age) => Assert.Equal(age, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Yaml_scalars_resolve_by_the_core_schema()
    {
        JsonNode document = Assert.Single(YamlToJson.Documents("""
            int: 80
            float: 1.5
            yes: true
            nothing: ~
            quoted: "80"
            word: v1alpha1
            list: [a, 2]
            """));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"int":80,"float":1.5,"yes":true,"nothing":null,"quoted":"80","word":"v1alpha1","list":["a",2]}"""), document),
            document.ToJsonString());
    }

    [Theory]
    [InlineData(".spec.size", "3")]
    [InlineData("{.status.items[1].name}", "b")]
    [InlineData(".metadata.labels['app.kubernetes.io/name']", "web")]
    [InlineData(".spec.missing", null)]
    public void Simple_json_paths_find_values(string path, string? expected)
    {
        JsonElement obj = JsonDocument.Parse("""{"spec":{"size":3},"status":{"items":[{"name":"a"},{"name":"b"}]},"metadata":{"labels":{"app.kubernetes.io/name":"web"}}}""").RootElement;
        Assert.Equal(expected, SimpleJsonPath.Evaluate(obj, path) is { } value ? Json.ScalarText(value) : null);
    }
}
