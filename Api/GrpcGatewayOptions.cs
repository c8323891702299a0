namespace Mnemo.Api;

/// <summary>Settings of a silo's gRPC gateway.</summary>
public sealed record GrpcGatewayOptions
{
    public const int DefaultPort = 11151;
    public const int DefaultMaxMessageBytes = 4 << 20;
    public const long DefaultMaxImportBytes = 16L << 30;

    /// <summary>The gateway's port; 0: no gRPC gateway.</summary>
    public int Port { get; init; }

    /// <summary>PEM certificate (chain) of the gateway. Without one it serves h2c (cleartext HTTP/2)
    /// on loopback only; with one, TLS on the silo's address.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>PEM private key of <see cref="CertificatePath"/>; null when the certificate file holds it.</summary>
    public string? CertificateKeyPath { get; init; }

    /// <summary>Largest request or response message; a larger request is refused with RESOURCE_EXHAUSTED.</summary>
    public int MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;

    /// <summary>Longest cluster snapshot file <c>Snapshots.Import</c> spools to the silo's temporary directory before checking it;
    /// a longer one is refused with RESOURCE_EXHAUSTED.</summary>
    public long MaxImportBytes { get; init; } = DefaultMaxImportBytes;
}
