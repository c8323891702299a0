using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

internal enum AdmissionOperation { Create, Update }

/// <summary>
/// An object about to be stored: <see cref="Object"/> is the new state (mutable), <see cref="Old"/> the
/// stored one on updates; <see cref="Options"/> the write's options (its <c>fieldValidation</c>, and
/// the warnings to answer with).
/// </summary>
internal sealed record AdmissionRequest(ResourceType Type, AdmissionOperation Operation, JsonObject Object, JsonElement? Old, string? Subresource, WriteOptions Options);

/// <summary>
/// A step every create and update passes before it is stored, in the order the plug-ins are
/// listed (<see cref="EmbeddedKubeApi"/>): it may default fields of the object and rejects it by
/// throwing a <see cref="KubeApiException"/> (Invalid, 422, with field paths). Custom kinds are
/// pruned, defaulted and validated against their CRD's schema here (<see cref="CustomResourceSchemas"/>).
/// </summary>
internal interface IAdmissionPlugin
{
    void Admit(AdmissionRequest request);
}
