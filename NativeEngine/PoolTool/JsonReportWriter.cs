using System.Text.Json;

namespace Mnemo.PoolTool;

/// <summary>Writes a <see cref="PoolReport"/> as indented JSON with snake_case names, for scripts.</summary>
internal static class JsonReportWriter
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static void Write(PoolReport report, TextWriter output) =>
        output.WriteLine(JsonSerializer.Serialize(report, Options));
}
