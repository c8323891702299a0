using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messages;

namespace Mnemo.Silo.Membership;

internal static class MemberStatusConversions
{
    public static MemberStatus ToMessage(this SiloStatus status) => status switch
    {
        SiloStatus.Joining => MemberStatus.Joining,
        SiloStatus.Active => MemberStatus.Active,
        SiloStatus.ShuttingDown => MemberStatus.ShuttingDown,
        _ => MemberStatus.Dead,
    };

    public static SiloStatus ToSiloStatus(this MemberStatus status) => status switch
    {
        MemberStatus.Joining => SiloStatus.Joining,
        MemberStatus.Active => SiloStatus.Active,
        MemberStatus.ShuttingDown => SiloStatus.ShuttingDown,
        _ => SiloStatus.Dead,
    };
}
