namespace Mnemo.Runtime.Transport;

/// <summary>The gRPC status codes the transport produces or understands (values from the gRPC spec).</summary>
public enum GrpcStatusCode
{
    Ok = 0,
    Cancelled = 1,
    Unknown = 2,
    InvalidArgument = 3,
    DeadlineExceeded = 4,
    ResourceExhausted = 8,
    Unimplemented = 12,
    Internal = 13,
    Unavailable = 14,
}
