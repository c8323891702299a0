using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Serialization;

namespace Mnemo.Cli;

/// <summary>The structured outputs: <c>-o json</c> and <c>-o yaml</c> carry the same fields, YAML being the JSON document re-emitted.</summary>
internal static class Output
{
    private static readonly ISerializer Yaml = new SerializerBuilder().WithQuotingNecessaryStrings().Build();

    /// <summary>Writes <paramref name="value"/> as JSON or YAML; false for the table format, which the command writes itself.</summary>
    public static bool TryWriteStructured<T>(OutputFormat format, T value)
    {
        switch (format)
        {
            case OutputFormat.Json:
                Json.Write(value);
                return true;
            case OutputFormat.Yaml:
                Console.Write(Yaml.Serialize(Plain(JsonSerializer.SerializeToNode(value, Json.Options))));
                return true;
            default:
                return false;
        }
    }

    /// <summary>A JSON node as the dictionaries, lists and scalars YamlDotNet emits.</summary>
    private static object? Plain(JsonNode? node) => node switch
    {
        null => null,
        JsonObject o => o.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray a => a.Select(Plain).ToList(),
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => node.GetValue<string>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number => decimal.Parse(node.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture),
            _ => null,
        },
    };
}
