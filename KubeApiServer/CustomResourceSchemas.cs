using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// The admission step of custom kinds, in the API server's order: drop the fields the CRD's
/// schema does not declare (with a warning each under <c>fieldValidation=Warn</c>, the default, or
/// refused as the server's strict decoder does under <c>Strict</c>), fill in the schema's defaults, then validate, answering 422 Invalid with
/// every field path at once. A write to the main resource of a kind with a status subresource is
/// checked without its status (it keeps the stored one); a <c>/status</c> write checks only the
/// status, against the status schema.
/// </summary>
internal sealed class CustomResourceSchemas : IAdmissionPlugin
{
    public void Admit(AdmissionRequest request)
    {
        if (request.Type.Schema is not { ValueKind: JsonValueKind.Object } schema)
        {
            return;
        }
        JsonObject obj = request.Object;
        var errors = new List<FieldError>();
        if (request.Subresource == "status")
        {
            JsonElement statusSchema = schema.GetChild("properties")?.GetChild("status") ?? default;
            if (statusSchema.ValueKind != JsonValueKind.Object || !obj.ContainsKey("status"))
            {
                return;
            }
            RefuseOrDrop(request, SchemaPruning.Prune(obj, statusSchema, "status"));
            SchemaDefaulting.Apply(obj["status"], statusSchema);
            SchemaValidation.Validate(obj["status"], statusSchema, "status", errors);
        }
        else
        {
            RefuseOrDrop(request, SchemaPruning.Prune(obj, schema));
            SchemaDefaulting.Apply(obj, schema);
            // With a status subresource the status is the stored one, which this write does not change.
            JsonObject checkedPart = request.Type.HasStatus && obj.ContainsKey("status")
                ? new JsonObject(obj.Where(field => field.Key != "status").Select(field => KeyValuePair.Create(field.Key, field.Value?.DeepClone())))
                : obj;
            SchemaValidation.Validate(checkedPart, schema, "", errors);
        }
        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid(request.Type, ObjectMeta.Name(obj), errors);
        }
    }

    private static void RefuseOrDrop(AdmissionRequest request, List<string> unknown)
    {
        if (unknown.Count == 0)
        {
            return;
        }
        switch (request.Options.FieldValidation)
        {
            case FieldValidation.Strict:
                throw StatusErrors.BadRequest($"{request.Type.Kind} in version \"{request.Type.Version}\" cannot be handled as a {request.Type.Kind}: strict decoding error: "
                    + string.Join(", ", unknown.Select(path => $"unknown field \"{path}\"")));
            case FieldValidation.Warn:
                request.Options.Warnings.AddRange(unknown.Select(path => $"unknown field \"{path}\""));
                break;
        }
    }
}
