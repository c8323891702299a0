using Grpc.Core;

namespace Mnemo.Client;

/// <summary>A gRPC call did not complete within its timeout (<see cref="MnemoClientOptions.CacheCallTimeout"/> or the call's own).</summary>
public sealed class MnemoDeadlineExceededException(string message, Exception? inner = null)
    : MnemoApiException(StatusCode.DeadlineExceeded, null, message, inner);
