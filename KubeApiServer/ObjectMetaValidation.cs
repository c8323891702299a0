using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mnemo.KubeApiServer;

/// <summary>Checks what Kubernetes checks on every object's metadata: the name's syntax and the labels' keys and values.</summary>
internal sealed partial class ObjectMetaValidation : IAdmissionPlugin
{
    public void Admit(AdmissionRequest request)
    {
        var errors = new List<FieldError>();
        string name = ObjectMeta.Name(request.Object);
        if (request.Operation == AdmissionOperation.Create)
        {
            // Namespaces are DNS labels (no dots); everything else here is a DNS subdomain.
            if (request.Type == BuiltinResources.Namespaces)
            {
                if (name.Length > 63 || !Dns1123Label().IsMatch(name))
                {
                    errors.Add(FieldError.Invalid("metadata.name", name,
                        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
                }
            }
            else if (name.Length > 253 || !Dns1123Subdomain().IsMatch(name))
            {
                errors.Add(FieldError.Invalid("metadata.name", name,
                    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"));
            }
        }
        if (request.Object["metadata"]?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                if (!IsQualifiedName(key))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", key,
                        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"));
                }
                string text = value is JsonValue scalar && scalar.TryGetValue(out string? s) ? s : value?.ToJsonString() ?? "";
                if (text.Length > 63 || (text.Length > 0 && !LabelName().IsMatch(text)))
                {
                    errors.Add(FieldError.Invalid("metadata.labels", text,
                        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
                }
            }
        }
        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid(request.Type, name, errors);
        }
    }

    private static bool IsQualifiedName(string key)
    {
        int slash = key.IndexOf('/');
        string prefix = slash >= 0 ? key[..slash] : "";
        string name = slash >= 0 ? key[(slash + 1)..] : key;
        return (slash < 0 || (prefix.Length is > 0 and <= 253 && Dns1123Subdomain().IsMatch(prefix)))
            && name.Length is > 0 and <= 63 && LabelName().IsMatch(name);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex LabelName();
}
