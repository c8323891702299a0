using Grpc.Core;

namespace Mnemo.Client;

/// <summary>A gRPC call the cluster refused or could not complete.</summary>
/// <param name="Code">The gRPC status code.</param>
/// <param name="Reason">Mnemo's reason (<c>MEMSHACK_NOT_FOUND</c>, <c>CAS_MISMATCH</c>, <c>NOT_NUMERIC</c>, ...), or null when the call failed before a silo answered.</param>
public class MnemoApiException(StatusCode code, string? reason, string message, Exception? inner = null) : Exception(message, inner)
{
    public StatusCode Code { get; } = code;

    public string? Reason { get; } = reason;
}
