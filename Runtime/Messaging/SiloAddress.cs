using Mnemo.Runtime.Messages;

namespace Mnemo.Runtime.Messaging;

/// <summary>One silo incarnation: endpoint plus generation. Equality includes the generation so a
/// restarted silo is a different member.</summary>
public sealed record SiloAddress(string Host, int Port, long Generation, string NodeName)
{
    public string Endpoint => $"{Host}:{Port}";

    public override string ToString() => $"{NodeName}@{Host}:{Port}/{Generation}";

    public SiloAddressMessage ToMessage() => new() { Host = Host, Port = Port, Generation = Generation, NodeName = NodeName };

    public static SiloAddress FromMessage(SiloAddressMessage m) => new(m.Host, m.Port, m.Generation, m.NodeName);
}
