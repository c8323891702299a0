using System.Text.Json;

namespace Mnemo.KubeApiServer;

/// <summary>Which objects a list or a watch wants: one namespace (or all) and the label and field selectors.</summary>
internal sealed record ObjectFilter(string? Namespace, LabelSelector Labels, FieldSelector Fields)
{
    public static ObjectFilter All { get; } = new(null, LabelSelector.Everything, FieldSelector.Everything);

    public bool Matches(JsonElement obj) =>
        (Namespace is null || ObjectMeta.Namespace(obj) == Namespace) && Labels.Matches(ObjectMeta.Labels(obj)) && Fields.Matches(obj);
}
