using Mnemo.Runtime.Invocation;

namespace Mnemo.Runtime.Proxies;

/// <summary>Creates grain references bound to one invoker: the silo's routing invoker inside a silo,
/// a <see cref="GatewayGrainCallInvoker"/> in a client.</summary>
public sealed class GrainFactory(IGrainCallInvoker invoker) : IGrainFactory
{
    public TGrainInterface GetGrain<TGrainInterface>(string key) where TGrainInterface : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        return Create<TGrainInterface>(key);
    }

    public TGrainInterface GetGrain<TGrainInterface>(long key) where TGrainInterface : IGrainWithIntegerKey =>
        Create<TGrainInterface>(key.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public TGrainInterface GetGrain<TGrainInterface>(Guid key) where TGrainInterface : IGrainWithGuidKey =>
        Create<TGrainInterface>(key.ToString("D"));

    private TGrainInterface Create<TGrainInterface>(string key)
    {
        GrainInterfaceDescription description = GrainInterfaceDescription.For(typeof(TGrainInterface));
        return GrainProxy.Create<TGrainInterface>(new GrainId(description.GrainType, key), description, invoker, deadline: null);
    }
}
