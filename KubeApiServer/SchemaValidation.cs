using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mnemo.KubeApiServer;

/// <summary>
/// Checks a value against an OpenAPI v3 (structural) schema the way the API server checks custom
/// resources, and words each problem as it does (kube-openapi's messages inside apimachinery's
/// field errors), e.g. <c>spec.num_shards: Invalid value: 0: spec.num_shards in body should be
/// greater than or equal to 1</c>. Covered: <c>type</c> (and <c>nullable</c>,
/// <c>x-kubernetes-int-or-string</c>), <c>enum</c>, <c>minimum</c>/<c>maximum</c> (exclusive too),
/// <c>multipleOf</c>, <c>minLength</c>/<c>maxLength</c>, <c>pattern</c>, <c>minItems</c>/<c>maxItems</c>,
/// <c>uniqueItems</c>, <c>minProperties</c>/<c>maxProperties</c>, <c>required</c>, <c>properties</c>,
/// <c>additionalProperties</c>, <c>items</c>, <c>allOf</c>, <c>anyOf</c>, <c>oneOf</c>, <c>not</c>.
/// Formats and CEL rules (<c>x-kubernetes-validations</c>) are not checked.
/// </summary>
internal static class SchemaValidation
{
    public static void Validate(JsonNode? value, JsonElement schema, string path, List<FieldError> errors)
    {
        if (value is null)
        {
            if (!SchemaPruning.Flag(schema, "nullable") && DeclaredType(schema) is { } declared)
            {
                errors.Add(FieldError.TypeInvalid(path, "null", $"{path} in body must be of type {declared}: \"null\""));
            }
            return;
        }
        string actual = TypeOf(value);
        if (!TypeMatches(schema, value, actual))
        {
            errors.Add(FieldError.TypeInvalid(path, actual, $"{path} in body must be of type {DeclaredType(schema)}: \"{actual}\""));
            return; // as kube-openapi: nothing else is checked on a value of the wrong type
        }
        if (schema.GetChild("enum") is { ValueKind: JsonValueKind.Array } allowed
            && !allowed.EnumerateArray().Any(option => JsonNode.DeepEquals(JsonNode.Parse(option.GetRawText()), value)))
        {
            errors.Add(FieldError.NotSupported(path, value, allowed.EnumerateArray().Select(option =>
                option.ValueKind == JsonValueKind.String ? option.GetString()! : option.GetRawText())));
        }
        switch (value)
        {
            case JsonObject obj:
                ValidateObject(obj, schema, path, errors);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path, errors);
                break;
            case JsonValue scalar when actual is "integer" or "number":
                ValidateNumber(scalar, schema, path, errors);
                break;
            case JsonValue scalar when actual == "string":
                ValidateString((string)scalar!, scalar, schema, path, errors);
                break;
        }
        ValidateCombinators(value, schema, path, errors);
    }

    private static void ValidateObject(JsonObject obj, JsonElement schema, string path, List<FieldError> errors)
    {
        string In(string key) => path.Length == 0 ? key : $"{path}.{key}";
        if (schema.GetChild("required") is { ValueKind: JsonValueKind.Array } required)
        {
            foreach (JsonElement name in required.EnumerateArray())
            {
                if (!obj.ContainsKey(name.GetString()!))
                {
                    errors.Add(FieldError.Required(In(name.GetString()!), ""));
                }
            }
        }
        if (Number(schema, "minProperties") is { } minProperties && obj.Count < minProperties)
        {
            errors.Add(FieldError.Invalid(path, obj.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at least {minProperties} properties"));
        }
        if (Number(schema, "maxProperties") is { } maxProperties && obj.Count > maxProperties)
        {
            errors.Add(FieldError.Invalid(path, obj.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at most {maxProperties} properties"));
        }
        JsonElement? properties = schema.GetChild("properties");
        JsonElement? additional = schema.GetChild("additionalProperties");
        foreach (var (key, child) in obj)
        {
            if (path.Length == 0 && key is "apiVersion" or "kind" or "metadata")
            {
                continue; // the resource's own fields: checked by the server itself
            }
            if (properties is { ValueKind: JsonValueKind.Object } declared && declared.TryGetProperty(key, out JsonElement propertySchema))
            {
                Validate(child, propertySchema, In(key), errors);
            }
            else if (additional is { ValueKind: JsonValueKind.Object } valueSchema)
            {
                Validate(child, valueSchema, In(key), errors);
            }
        }
    }

    private static void ValidateArray(JsonArray array, JsonElement schema, string path, List<FieldError> errors)
    {
        if (Number(schema, "minItems") is { } minItems && array.Count < minItems)
        {
            errors.Add(FieldError.Invalid(path, array.Count.ToString(CultureInfo.InvariantCulture), $"{path} in body should have at least {minItems} items"));
        }
        if (Number(schema, "maxItems") is { } maxItems && array.Count > maxItems)
        {
            errors.Add(FieldError.TooMany(path, array.Count, (long)maxItems));
        }
        if (SchemaPruning.Flag(schema, "uniqueItems")
            && array.Select((item, i) => array.Take(i).Any(earlier => JsonNode.DeepEquals(earlier, item))).Any(duplicate => duplicate))
        {
            errors.Add(FieldError.Invalid(path, array, $"{path} in body shouldn't contain duplicates"));
        }
        if (schema.GetChild("items") is { ValueKind: JsonValueKind.Object } items)
        {
            for (int i = 0; i < array.Count; i++)
            {
                Validate(array[i], items, $"{path}[{i}]", errors);
            }
        }
    }

    private static void ValidateNumber(JsonValue scalar, JsonElement schema, string path, List<FieldError> errors)
    {
        double number = NumberOf(scalar);
        if (schema.GetChild("minimum") is { ValueKind: JsonValueKind.Number } minimum)
        {
            bool exclusive = SchemaPruning.Flag(schema, "exclusiveMinimum");
            if (exclusive ? number <= minimum.GetDouble() : number < minimum.GetDouble())
            {
                errors.Add(FieldError.Invalid(path, scalar, $"{path} in body should be greater than {(exclusive ? "" : "or equal to ")}{minimum.GetRawText()}"));
            }
        }
        if (schema.GetChild("maximum") is { ValueKind: JsonValueKind.Number } maximum)
        {
            bool exclusive = SchemaPruning.Flag(schema, "exclusiveMaximum");
            if (exclusive ? number >= maximum.GetDouble() : number > maximum.GetDouble())
            {
                errors.Add(FieldError.Invalid(path, scalar, $"{path} in body should be less than {(exclusive ? "" : "or equal to ")}{maximum.GetRawText()}"));
            }
        }
        if (schema.GetChild("multipleOf") is { ValueKind: JsonValueKind.Number } multipleOf && Math.IEEERemainder(number, multipleOf.GetDouble()) != 0)
        {
            errors.Add(FieldError.Invalid(path, scalar, $"{path} in body should be a multiple of {multipleOf.GetRawText()}"));
        }
    }

    private static void ValidateString(string text, JsonValue scalar, JsonElement schema, string path, List<FieldError> errors)
    {
        int length = text.EnumerateRunes().Count(); // lengths count characters (runes), not UTF-16 units
        if (Number(schema, "maxLength") is { } maxLength && length > maxLength)
        {
            errors.Add(FieldError.TooLong(path, (long)maxLength));
        }
        if (Number(schema, "minLength") is { } minLength && length < minLength)
        {
            errors.Add(FieldError.Invalid(path, scalar, $"{path} in body should be at least {minLength} chars long"));
        }
        if (schema.GetString("pattern") is { } pattern && !Regex.IsMatch(text, pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
        {
            errors.Add(FieldError.Invalid(path, scalar, $"{path} in body should match '{pattern}'"));
        }
    }

    private static void ValidateCombinators(JsonNode value, JsonElement schema, string path, List<FieldError> errors)
    {
        bool Passes(JsonElement branch)
        {
            var branchErrors = new List<FieldError>();
            Validate(value, branch, path, branchErrors);
            return branchErrors.Count == 0;
        }
        if (schema.GetChild("allOf") is { ValueKind: JsonValueKind.Array } allOf)
        {
            foreach (JsonElement branch in allOf.EnumerateArray())
            {
                Validate(value, branch, path, errors);
            }
        }
        if (schema.GetChild("anyOf") is { ValueKind: JsonValueKind.Array } anyOf && !anyOf.EnumerateArray().Any(Passes))
        {
            errors.Add(FieldError.Invalid(path, value, $"{path} in body must validate at least one schema (anyOf)"));
        }
        if (schema.GetChild("oneOf") is { ValueKind: JsonValueKind.Array } oneOf && oneOf.EnumerateArray().Count(Passes) != 1)
        {
            errors.Add(FieldError.Invalid(path, value, $"{path} in body must validate one and only one schema (oneOf)"));
        }
        if (schema.GetChild("not") is { ValueKind: JsonValueKind.Object } not && Passes(not))
        {
            errors.Add(FieldError.Invalid(path, value, $"{path} in body must not validate the schema (not)"));
        }
    }

    private static string TypeOf(JsonNode value) => value.GetValueKind() switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Number => IsInteger(value.AsValue()) ? "integer" : "number",
        _ => "null",
    };

    // Values parsed from JSON hold JSON text, values converted from YAML hold CLR numbers: read both through their JSON text.
    private static double NumberOf(JsonValue value) => double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static bool IsInteger(JsonValue value)
    {
        string text = value.ToJsonString();
        return text.AsSpan().IndexOfAny('.', 'e', 'E') < 0 || (NumberOf(value) is var d && Math.Floor(d) == d && !double.IsInfinity(d));
    }

    private static bool TypeMatches(JsonElement schema, JsonNode value, string actual)
    {
        if (SchemaPruning.Flag(schema, "x-kubernetes-int-or-string"))
        {
            return actual is "integer" or "string";
        }
        return DeclaredType(schema) switch
        {
            null => true,
            "number" => actual is "number" or "integer",
            string declared => declared == actual,
        };
    }

    private static string? DeclaredType(JsonElement schema) =>
        SchemaPruning.Flag(schema, "x-kubernetes-int-or-string") ? "integer,string" : schema.GetString("type") is { Length: > 0 } type ? type : null;

    private static double? Number(JsonElement schema, string keyword) =>
        schema.GetChild(keyword) is { ValueKind: JsonValueKind.Number } number ? number.GetDouble() : null;
}
