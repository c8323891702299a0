using System.Text;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// Reads the Kubernetes protobuf encoding (<c>application/vnd.kubernetes.protobuf</c>: "k8s\0" and a
/// runtime.Unknown around the object) for the kinds kubectl's <c>create namespace|configmap|secret</c>
/// send that way, as JSON. Field numbers are those of k8s.io/api/core/v1/generated.proto; other
/// kinds are refused with 415 (kubectl sends JSON for everything else).
/// </summary>
internal static class KubernetesProtobuf
{
    private enum Wire { String, Bool, Message, StringMap, BytesMap, Strings, Messages }

    private sealed record Field(string Name, Wire Wire, Dictionary<int, Field>? Message = null);

    private static readonly Dictionary<int, Field> OwnerReference = new()
    {
        [1] = new("kind", Wire.String),
        [3] = new("name", Wire.String),
        [4] = new("uid", Wire.String),
        [5] = new("apiVersion", Wire.String),
        [6] = new("controller", Wire.Bool),
        [7] = new("blockOwnerDeletion", Wire.Bool),
    };

    private static readonly Dictionary<int, Field> ObjectMeta = new()
    {
        [1] = new("name", Wire.String),
        [2] = new("generateName", Wire.String),
        [3] = new("namespace", Wire.String),
        [5] = new("uid", Wire.String),
        [6] = new("resourceVersion", Wire.String),
        [11] = new("labels", Wire.StringMap),
        [12] = new("annotations", Wire.StringMap),
        [13] = new("ownerReferences", Wire.Messages, OwnerReference),
        [14] = new("finalizers", Wire.Strings),
    };

    private static readonly Dictionary<string, Dictionary<int, Field>> Kinds = new(StringComparer.Ordinal)
    {
        ["Namespace"] = new()
        {
            [1] = new("metadata", Wire.Message, ObjectMeta),
            [2] = new("spec", Wire.Message, new() { [1] = new("finalizers", Wire.Strings) }),
        },
        ["ConfigMap"] = new()
        {
            [1] = new("metadata", Wire.Message, ObjectMeta),
            [2] = new("data", Wire.StringMap),
            [3] = new("binaryData", Wire.BytesMap),
            [4] = new("immutable", Wire.Bool),
        },
        ["Secret"] = new()
        {
            [1] = new("metadata", Wire.Message, ObjectMeta),
            [2] = new("data", Wire.BytesMap),
            [3] = new("type", Wire.String),
            [4] = new("stringData", Wire.StringMap),
            [5] = new("immutable", Wire.Bool),
        },
    };

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    /// <summary>The object as JSON; 415 for a kind this reader does not know, 400 for a malformed body.</summary>
    public static JsonObject Decode(byte[] body, string contentType)
    {
        if (!body.AsSpan().StartsWith(Magic))
        {
            throw StatusErrors.BadRequest("a protobuf body must start with the Kubernetes magic number");
        }
        try
        {
            var unknown = new Reader(body.AsMemory(Magic.Length));
            string apiVersion = "", kind = "";
            ReadOnlyMemory<byte> raw = default;
            while (unknown.Next(out int field, out int wire))
            {
                switch (field)
                {
                    case 1:
                        var typeMeta = new Reader(unknown.Bytes());
                        while (typeMeta.Next(out int typeField, out int typeWire))
                        {
                            switch (typeField)
                            {
                                case 1: apiVersion = typeMeta.String(); break;
                                case 2: kind = typeMeta.String(); break;
                                default: typeMeta.Skip(typeWire); break;
                            }
                        }
                        break;
                    case 2:
                        raw = unknown.Bytes();
                        break;
                    default:
                        unknown.Skip(wire);
                        break;
                }
            }
            if (apiVersion != "v1" || !Kinds.TryGetValue(kind, out var schema))
            {
                throw StatusErrors.UnsupportedMediaType(contentType, "application/json, application/yaml (protobuf only for v1 Namespace, ConfigMap and Secret)");
            }
            JsonObject obj = Message(raw, schema);
            var result = new JsonObject { ["apiVersion"] = apiVersion, ["kind"] = kind };
            foreach (var (key, value) in obj.ToList())
            {
                obj.Remove(key);
                result[key] = value;
            }
            return result;
        }
        catch (FormatException e)
        {
            throw StatusErrors.BadRequest($"malformed protobuf body: {e.Message}");
        }
    }

    private static JsonObject Message(ReadOnlyMemory<byte> bytes, Dictionary<int, Field> schema)
    {
        var obj = new JsonObject();
        var reader = new Reader(bytes);
        while (reader.Next(out int number, out int wire))
        {
            if (!schema.TryGetValue(number, out Field? field))
            {
                reader.Skip(wire);
                continue;
            }
            switch (field.Wire)
            {
                case Wire.String:
                    // Go writes unset strings as empty ones; in JSON they are omitted.
                    if (reader.String() is { Length: > 0 } text)
                    {
                        obj[field.Name] = text;
                    }
                    break;
                case Wire.Bool:
                    obj[field.Name] = reader.Varint() != 0;
                    break;
                case Wire.Message:
                    obj[field.Name] = Message(reader.Bytes(), field.Message!);
                    break;
                case Wire.Strings:
                    ((JsonArray)(obj[field.Name] ??= new JsonArray())).Add(reader.String());
                    break;
                case Wire.Messages:
                    ((JsonArray)(obj[field.Name] ??= new JsonArray())).Add(Message(reader.Bytes(), field.Message!));
                    break;
                default:
                    var (key, value) = MapEntry(reader.Bytes(), field.Wire == Wire.BytesMap);
                    ((JsonObject)(obj[field.Name] ??= new JsonObject()))[key] = value;
                    break;
            }
        }
        return obj;
    }

    // Bytes become base64 in JSON, as Kubernetes writes a Secret's data.
    private static (string Key, string Value) MapEntry(ReadOnlyMemory<byte> bytes, bool binary)
    {
        var reader = new Reader(bytes);
        string key = "", value = "";
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1: key = reader.String(); break;
                case 2: value = binary ? Convert.ToBase64String(reader.Bytes().Span) : reader.String(); break;
                default: reader.Skip(wire); break;
            }
        }
        return (key, value);
    }

    /// <summary>The protobuf wire format: tagged varints, fixed 32/64-bit values and length-delimited bytes.</summary>
    private struct Reader(ReadOnlyMemory<byte> data)
    {
        private int position;

        public bool Next(out int field, out int wire)
        {
            if (position >= data.Length)
            {
                (field, wire) = (0, 0);
                return false;
            }
            ulong tag = Varint();
            (field, wire) = ((int)(tag >> 3), (int)(tag & 7));
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (position >= data.Length)
                {
                    throw new FormatException("truncated varint");
                }
                byte b = data.Span[position++];
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
            throw new FormatException("varint too long");
        }

        public ReadOnlyMemory<byte> Bytes()
        {
            int length = checked((int)Varint());
            if (length < 0 || position + length > data.Length)
            {
                throw new FormatException("truncated field");
            }
            ReadOnlyMemory<byte> bytes = data.Slice(position, length);
            position += length;
            return bytes;
        }

        public string String() => Encoding.UTF8.GetString(Bytes().Span);

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: position += 8; break;
                case 2: Bytes(); break;
                case 5: position += 4; break;
                default: throw new FormatException($"unsupported wire type {wire}");
            }
            if (position > data.Length)
            {
                throw new FormatException("truncated field");
            }
        }
    }
}
