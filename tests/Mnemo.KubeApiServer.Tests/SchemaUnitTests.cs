using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>Pruning, defaulting and validation against structural schemas, on their own.</summary>
public sealed class SchemaUnitTests
{
    private static JsonElement Schema(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static List<string> Messages(string value, string schema)
    {
        var errors = new List<FieldError>();
        SchemaValidation.Validate(JsonNode.Parse(value), Schema(schema), "spec.x", errors);
        return errors.Select(e => $"{e.Field}: {e.Message}").ToList();
    }

    [Theory]
    [InlineData("0", """{"type":"integer","minimum":0,"exclusiveMinimum":true}""", "spec.x: Invalid value: 0: spec.x in body should be greater than 0")]
    [InlineData("10", """{"type":"integer","maximum":10,"exclusiveMaximum":true}""", "spec.x: Invalid value: 10: spec.x in body should be less than 10")]
    [InlineData("7", """{"type":"integer","multipleOf":2}""", "spec.x: Invalid value: 7: spec.x in body should be a multiple of 2")]
    [InlineData("1.5", """{"type":"integer"}""", "spec.x: Invalid value: \"number\": spec.x in body must be of type integer: \"number\"")]
    [InlineData("\"abcd\"", """{"type":"string","maxLength":3}""", "spec.x: Too long: may not be more than 3 bytes")]
    [InlineData("\"a\"", """{"type":"string","minLength":2}""", "spec.x: Invalid value: \"a\": spec.x in body should be at least 2 chars long")]
    [InlineData("[1,2,3]", """{"type":"array","maxItems":2}""", "spec.x: Too many: 3: must have at most 2 items")]
    [InlineData("[1,1]", """{"type":"array","uniqueItems":true}""", "spec.x: Invalid value: [1,1]: spec.x in body shouldn't contain duplicates")]
    [InlineData("null", """{"type":"string"}""", "spec.x: Invalid value: \"null\": spec.x in body must be of type string: \"null\"")]
    [InlineData("5", """{"type":"integer","not":{"enum":[5]}}""", "spec.x: Invalid value: 5: spec.x in body must not validate the schema (not)")]
    [InlineData("4", """{"type":"integer","oneOf":[{"minimum":1},{"maximum":9}]}""", "spec.x: Invalid value: 4: spec.x in body must validate one and only one schema (oneOf)")]
    [InlineData("{\"a\":{}}", """{"type":"object","additionalProperties":{"type":"object","required":["b"]}}""", "spec.x.a.b: Required value")]
    [InlineData("[{\"n\":\"x\"}]", """{"type":"array","items":{"type":"object","properties":{"n":{"type":"integer"}}}}""", "spec.x[0].n: Invalid value: \"string\": spec.x[0].n in body must be of type integer: \"string\"")]
    public void Each_rule_is_worded_as_kube_apiserver_words_it(string value, string schema, string message) =>
        Assert.Equal([message], Messages(value, schema));

    [Theory]
    [InlineData("null", """{"type":"string","nullable":true}""")]
    [InlineData("\"ü\"", """{"type":"string","maxLength":1}""")]
    [InlineData("3", """{"type":"number","minimum":3}""")]
    [InlineData("\"5Gi\"", """{"x-kubernetes-int-or-string":true,"anyOf":[{"type":"integer"},{"type":"string"}]}""")]
    [InlineData("{\"any\":[1]}", """{"type":"object","x-kubernetes-preserve-unknown-fields":true}""")]
    public void Valid_values_pass(string value, string schema) => Assert.Empty(Messages(value, schema));

    [Fact]
    public void Values_read_from_yaml_are_checked_as_those_read_from_json()
    {
        JsonNode spec = YamlToJson.Documents("spec:\n  shards: 0\n  mode: two\n  ratio: 1.5\n  level: 3\n  name: ok\n")[0]["spec"]!;
        JsonElement schema = Schema("""
            {"type":"object","properties":{
              "shards":{"type":"integer","minimum":1},
              "mode":{"type":"string","enum":["one","all"]},
              "ratio":{"type":"integer"},
              "level":{"type":"integer","enum":[1,3]},
              "name":{"type":"string","minLength":2}}}
            """);
        var errors = new List<FieldError>();

        SchemaValidation.Validate(spec, schema, "spec", errors);

        Assert.Equal([
            "spec.shards: Invalid value: 0: spec.shards in body should be greater than or equal to 1",
            "spec.mode: Unsupported value: \"two\": supported values: \"one\", \"all\"",
            "spec.ratio: Invalid value: \"number\": spec.ratio in body must be of type integer: \"number\"",
        ], errors.Select(e => $"{e.Field}: {e.Message}"));
    }

    [Fact]
    public void Pruning_keeps_declared_fields_preserved_subtrees_and_the_resource_fields()
    {
        var resource = JsonNode.Parse("""
            {"apiVersion":"a/v1","kind":"K","metadata":{"name":"n","x":1},"junk":1,
             "spec":{"keep":1,"drop":2,"items":[{"k":1,"d":2}],"free":{"any":{"thing":1}},"map":{"a":{"k":1,"d":2}}}}
            """)!.AsObject();
        JsonElement schema = Schema("""
            {"type":"object","properties":{"spec":{"type":"object","properties":{
              "keep":{"type":"integer"},
              "items":{"type":"array","items":{"type":"object","properties":{"k":{"type":"integer"}}}},
              "free":{"type":"object","x-kubernetes-preserve-unknown-fields":true},
              "map":{"type":"object","additionalProperties":{"type":"object","properties":{"k":{"type":"integer"}}}}}}}}
            """);

        List<string> pruned = SchemaPruning.Prune(resource, schema);

        Assert.Equal(["junk", "spec.drop", "spec.items[0].d", "spec.map.a.d"], pruned.Order());
        Assert.Equal("""{"apiVersion":"a/v1","kind":"K","metadata":{"name":"n","x":1},"spec":{"keep":1,"items":[{"k":1}],"free":{"any":{"thing":1}},"map":{"a":{"k":1}}}}""",
            resource.ToJsonString());
    }

    [Fact]
    public void Defaulting_fills_nested_defaults_replaces_non_nullable_nulls_and_drops_the_rest()
    {
        var resource = JsonNode.Parse("""{"spec":{"a":null,"b":null,"c":null,"list":[{},null]}}""")!;
        JsonElement schema = Schema("""
            {"type":"object","properties":{"spec":{"type":"object","properties":{
              "a":{"type":"integer","default":1},
              "b":{"type":"integer"},
              "c":{"type":"integer","nullable":true},
              "tls":{"type":"object","default":{},"properties":{"mode":{"type":"string","default":"Generated"}}},
              "list":{"type":"array","items":{"type":"object","default":{"z":0},"properties":{"n":{"type":"integer","default":7}}}}}}}}
            """);

        SchemaDefaulting.Apply(resource, schema);

        Assert.Equal("""{"spec":{"a":1,"c":null,"list":[{"n":7},{"z":0,"n":7}],"tls":{"mode":"Generated"}}}""", resource.ToJsonString());
    }
}
