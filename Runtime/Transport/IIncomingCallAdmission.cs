using Mnemo.Runtime.Messages;

namespace Mnemo.Runtime.Transport;

/// <summary>Decides, before the runtime sees it, whether a grain call that arrived over the wire
/// may run here, e.g. refusing calls from a silo incarnation that was declared dead.</summary>
public interface IIncomingCallAdmission
{
    /// <summary>Null to admit the call, else the response to answer it with.</summary>
    GrainResponse? Admit(GrainRequest request);
}
