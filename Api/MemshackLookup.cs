using Grpc.Core;
using Mnemo.Api.V1;
using Mnemo.DataPlane;

namespace Mnemo.Api;

/// <summary>Finds the Memshack a request names among those the silo serves.</summary>
public static class MemshackLookup
{
    /// <summary>The namespace of a name that gives none, as with kubectl.</summary>
    public const string DefaultNamespace = "default";

    /// <summary>The served gateway of <paramref name="requested"/>, with the name completed; INVALID_ARGUMENT without a name,
    /// NOT_FOUND when not served.</summary>
    public static (MemshackName Memshack, ServedGateway Gateway) Find(ServedMemshacks served, MemshackName? requested)
    {
        MemshackName memshack = Normalize(requested);
        return (memshack, served.FindGateway(memshack.Namespace, memshack.Name) ?? throw ApiErrors.MemshackNotFound(memshack));
    }

    /// <summary><paramref name="memshack"/> with its namespace filled in; INVALID_ARGUMENT without a name.</summary>
    public static MemshackName Normalize(MemshackName? memshack)
    {
        if (memshack is null || memshack.Name.Length == 0)
            throw ApiErrors.BadField("memshack.name", "the Memshack's name is required");
        return memshack.Namespace.Length > 0 ? memshack : new MemshackName { Namespace = DefaultNamespace, Name = memshack.Name };
    }
}
