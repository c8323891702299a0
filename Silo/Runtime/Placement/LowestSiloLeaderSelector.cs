using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Runtime.Placement;

/// <summary>The default rule: the first active silo in <see cref="SiloAddressOrder"/>. Every silo with
/// the same view agrees without talking to anyone.</summary>
public sealed class LowestSiloLeaderSelector : ILeaderSelector
{
    public SiloAddress? GetLeader(IMembershipView membership) =>
        membership.ActiveSilos.Order(SiloAddressOrder.Instance).FirstOrDefault();
}
