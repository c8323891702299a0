using System.Text.Json;

namespace Mnemo.KubeApiServer;

/// <summary>
/// A parsed <c>labelSelector</c> (k8s.io/apimachinery/pkg/labels): comma-separated requirements
/// <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, <c>k in (a,b)</c>, <c>k notin (a,b)</c>, <c>k</c> and <c>!k</c>, all of which must hold.
/// </summary>
internal sealed class LabelSelector
{
    private enum Operator { Equals, NotEquals, In, NotIn, Exists, DoesNotExist }

    private sealed record Requirement(string Key, Operator Op, IReadOnlyList<string> Values);

    private readonly List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) => this.requirements = requirements;

    public static LabelSelector Everything { get; } = new([]);

    public bool IsEverything => requirements.Count == 0;

    public static LabelSelector Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }
        var parser = new Parser(text);
        var requirements = new List<Requirement>();
        do
        {
            requirements.Add(parser.Requirement());
        }
        while (parser.TryConsume(','));
        parser.ExpectEnd();
        return new LabelSelector(requirements);
    }

    /// <summary>Whether an object's <c>metadata.labels</c> (null when it has none) satisfy every requirement.</summary>
    public bool Matches(JsonElement? labels)
    {
        foreach (Requirement requirement in requirements)
        {
            string? value = labels is { ValueKind: JsonValueKind.Object } map && map.TryGetProperty(requirement.Key, out JsonElement found)
                ? Json.ScalarText(found)
                : null;
            bool holds = requirement.Op switch
            {
                Operator.Equals => value == requirement.Values[0],
                Operator.NotEquals => value != requirement.Values[0],
                Operator.In => value is not null && requirement.Values.Contains(value),
                Operator.NotIn => value is null || !requirement.Values.Contains(value),
                Operator.Exists => value is not null,
                _ => value is null,
            };
            if (!holds)
            {
                return false;
            }
        }
        return true;
    }

    private sealed class Parser(string text)
    {
        private int position;

        public Requirement Requirement()
        {
            SkipSpaces();
            if (TryConsume('!'))
            {
                return new Requirement(Word("a label key"), Operator.DoesNotExist, []);
            }
            string key = Word("a label key");
            SkipSpaces();
            if (AtEnd || Peek == ',')
            {
                return new Requirement(key, Operator.Exists, []);
            }
            if (TryConsume("==") || TryConsume('='))
            {
                return new Requirement(key, Operator.Equals, [Value()]);
            }
            if (TryConsume("!="))
            {
                return new Requirement(key, Operator.NotEquals, [Value()]);
            }
            string op = Word("an operator");
            Operator setOp = op switch
            {
                "in" => Operator.In,
                "notin" => Operator.NotIn,
                _ => throw Error($"unknown operator '{op}'"),
            };
            SkipSpaces();
            if (!TryConsume('('))
            {
                throw Error("expected '(' after " + op);
            }
            var values = new List<string>();
            SkipSpaces();
            if (!TryConsume(')'))
            {
                do
                {
                    values.Add(Value());
                    SkipSpaces();
                }
                while (TryConsume(','));
                if (!TryConsume(')'))
                {
                    throw Error("expected ')'");
                }
            }
            return new Requirement(key, setOp, values);
        }

        public bool TryConsume(char c)
        {
            SkipSpaces();
            if (!AtEnd && Peek == c)
            {
                position++;
                return true;
            }
            return false;
        }

        public void ExpectEnd()
        {
            SkipSpaces();
            if (!AtEnd)
            {
                throw Error($"unexpected '{text[position..]}'");
            }
        }

        private bool TryConsume(string token)
        {
            SkipSpaces();
            if (string.CompareOrdinal(text, position, token, 0, token.Length) == 0)
            {
                position += token.Length;
                return true;
            }
            return false;
        }

        // Values may be empty ("k=" selects an empty label value).
        private string Value()
        {
            SkipSpaces();
            int start = position;
            while (!AtEnd && IsNameChar(Peek))
            {
                position++;
            }
            return text[start..position];
        }

        private string Word(string what)
        {
            string word = Value();
            return word.Length > 0 ? word : throw Error($"expected {what}");
        }

        private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/';

        private void SkipSpaces()
        {
            while (!AtEnd && char.IsWhiteSpace(Peek))
            {
                position++;
            }
        }

        private bool AtEnd => position >= text.Length;

        private char Peek => text[position];

        private KubeApiException Error(string why) => StatusErrors.BadRequest($"unable to parse requirement: {why} in label selector \"{text}\"");
    }
}
