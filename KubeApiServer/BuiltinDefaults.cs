using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// The defaults the real API server gives built-in kinds and that clients read back: a Namespace
/// is <c>Active</c>, a Secret <c>Opaque</c>, a Service <c>ClusterIP</c> with TCP ports whose
/// targetPort is the port, a new Pod <c>Pending</c>.
/// </summary>
internal sealed class BuiltinDefaults : IAdmissionPlugin
{
    public void Admit(AdmissionRequest request)
    {
        if (request.Type.Group.Length != 0)
        {
            return;
        }
        JsonObject obj = request.Object;
        switch (request.Type.Kind)
        {
            case "Namespace":
                obj.GetOrAddObject("status")["phase"] = ObjectMeta.IsTerminating(obj) ? "Terminating" : "Active";
                break;
            case "Secret":
                if (obj.GetString("type") is null or "")
                {
                    obj["type"] = "Opaque";
                }
                break;
            case "Service":
                JsonObject spec = obj.GetOrAddObject("spec");
                spec["type"] ??= "ClusterIP";
                foreach (JsonObject port in (spec["ports"] as JsonArray)?.OfType<JsonObject>() ?? [])
                {
                    port["protocol"] ??= "TCP";
                    port["targetPort"] ??= port["port"]?.DeepClone();
                }
                break;
            case "Pod" when request.Operation == AdmissionOperation.Create:
                obj.GetOrAddObject("status")["phase"] ??= "Pending";
                break;
        }
    }
}
