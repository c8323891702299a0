namespace Mnemo.Grains;

/// <summary>The client APIs this silo serves, registered by the host for <see cref="NodeApiGrain"/>.</summary>
/// <param name="Grpc">The gRPC API's URI; null when the silo serves none.</param>
public sealed record NodeApiEndpoints(string? Grpc);
