namespace Mnemo.Runtime.Transport;

/// <summary>HTTP/2 paths of the silo's RPC surface, named as gRPC would name them so that standard
/// tools (grpcurl, grpc-js, grpc_health_probe) can address them.</summary>
public static class SiloRpcMethods
{
    public const string Invoke = "/mnemo.runtime.Silo/Invoke";
    public const string Ping = "/mnemo.runtime.Silo/Ping";
    public const string Members = "/mnemo.runtime.Silo/Members";
    public const string HealthCheck = "/grpc.health.v1.Health/Check";
}
