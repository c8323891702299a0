using System.Text.Json;

namespace Mnemo.KubeApiServer;

/// <summary>
/// A parsed <c>fieldSelector</c>: comma-separated <c>path=value</c>, <c>path==value</c> and <c>path!=value</c>
/// over any field (<c>metadata.name</c>, <c>metadata.namespace</c>, <c>status.phase</c>...); a missing field reads as "".
/// </summary>
internal sealed class FieldSelector
{
    private sealed record Requirement(string Path, bool Equal, string Value);

    private readonly List<Requirement> requirements;

    private FieldSelector(List<Requirement> requirements) => this.requirements = requirements;

    public static FieldSelector Everything { get; } = new([]);

    public static FieldSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var requirements = new List<Requirement>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            int op = part.IndexOf("!=", StringComparison.Ordinal);
            bool equal = op < 0;
            int valueStart = op + 2;
            if (equal)
            {
                op = part.IndexOf('=');
                valueStart = part.IndexOf("==", StringComparison.Ordinal) == op && op >= 0 ? op + 2 : op + 1;
            }
            string path = op > 0 ? part[..op].Trim() : "";
            if (path.Length == 0 || !SimpleJsonPath.IsValid(path))
            {
                throw StatusErrors.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            }
            requirements.Add(new Requirement(path, equal, part[valueStart..].Trim()));
        }
        return new FieldSelector(requirements);
    }

    public bool Matches(JsonElement obj)
    {
        foreach (Requirement requirement in requirements)
        {
            string value = SimpleJsonPath.Evaluate(obj, requirement.Path) is { } found ? Json.ScalarText(found) : "";
            if ((value == requirement.Value) != requirement.Equal)
            {
                return false;
            }
        }
        return true;
    }
}
