using System.Globalization;
using System.Text.Json;

namespace Mnemo.KubeApiServer;

/// <summary>
/// The JSONPath subset printer columns and field selectors use: field steps (<c>.spec.x</c>,
/// <c>['a.b']</c>) and array indexes (<c>[0]</c>), optionally in braces (<c>{.status.phase}</c>).
/// </summary>
internal static class SimpleJsonPath
{
    /// <summary>The value at <paramref name="path"/>, or null when any step is missing.</summary>
    public static JsonElement? Evaluate(JsonElement root, string path)
    {
        JsonElement current = root;
        foreach (Step step in Parse(path))
        {
            if (step.Field is { } field)
            {
                if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(field, out current))
                {
                    return null;
                }
            }
            else if (current.ValueKind != JsonValueKind.Array || step.Index >= current.GetArrayLength())
            {
                return null;
            }
            else
            {
                current = current[step.Index];
            }
        }
        return current;
    }

    /// <summary>Checks a path once (CRD printer columns) so that evaluation never meets a malformed one.</summary>
    public static bool IsValid(string path)
    {
        try
        {
            return Parse(path).Count > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private readonly record struct Step(string? Field, int Index);

    private static List<Step> Parse(string path)
    {
        string text = path.Trim();
        if (text.StartsWith('{') && text.EndsWith('}'))
        {
            text = text[1..^1];
        }
        if (text.StartsWith('$'))
        {
            text = text[1..];
        }
        var steps = new List<Step>();
        int i = 0;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                int end = i + 1;
                while (end < text.Length && text[end] != '.' && text[end] != '[')
                {
                    end++;
                }
                if (end == i + 1)
                {
                    throw new FormatException($"empty field name in '{path}'");
                }
                steps.Add(new Step(text[(i + 1)..end], 0));
                i = end;
            }
            else if (text[i] == '[')
            {
                int end = text.IndexOf(']', i);
                if (end < 0)
                {
                    throw new FormatException($"unclosed '[' in '{path}'");
                }
                string inside = text[(i + 1)..end].Trim();
                if (inside.Length >= 2 && (inside[0] == '\'' || inside[0] == '"') && inside[^1] == inside[0])
                {
                    steps.Add(new Step(inside[1..^1], 0));
                }
                else if (int.TryParse(inside, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                {
                    steps.Add(new Step(null, index));
                }
                else
                {
                    throw new FormatException($"unsupported subscript '[{inside}]' in '{path}'");
                }
                i = end + 1;
            }
            else if (steps.Count == 0)
            {
                // Field selectors name paths without the leading dot: metadata.name.
                text = "." + text[i..];
                i = 0;
            }
            else
            {
                throw new FormatException($"unexpected '{text[i]}' in '{path}'");
            }
        }
        return steps;
    }
}
