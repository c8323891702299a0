using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>JSON merge patch (RFC 7386, <c>application/merge-patch+json</c>): objects merge recursively, null removes, anything else replaces.</summary>
internal static class MergePatch
{
    /// <summary>Applies <paramref name="patch"/> to <paramref name="target"/> in place.</summary>
    public static void Apply(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject patchObject)
            {
                if (target[key] is not JsonObject targetObject)
                {
                    targetObject = new JsonObject();
                    target[key] = targetObject;
                }
                Apply(targetObject, patchObject);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }
}
