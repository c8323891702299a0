namespace Mnemo.Runtime.Transport;

/// <summary>A call reached the peer but it answered with a non-OK gRPC status.</summary>
public sealed class RpcStatusException(GrpcStatusCode status, string detail)
    : Exception($"{status}: {detail}")
{
    public GrpcStatusCode Status { get; } = status;

    public string Detail { get; } = detail;
}
