using Mnemo.Runtime.Invocation;
using Mnemo.Runtime.Proxies;

namespace Mnemo.Runtime.Tests.Infrastructure;

/// <summary>A client process's view of the cluster, as the client SDK builds it: a gateway invoker
/// over the transport, so every call crosses the codec and a gateway silo.</summary>
public static class TestClient
{
    public static IGrainFactory Connect(InProcessCluster cluster, TestSilo gateway, GrainCallOptions? options = null) =>
        new GrainFactory(new GatewayGrainCallInvoker(
            new RemoteGrainCaller(cluster.Transport, options ?? new GrainCallOptions(), self: null),
            _ => gateway.Address));
}
