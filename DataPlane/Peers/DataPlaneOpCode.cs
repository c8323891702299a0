namespace Mnemo.DataPlane;

/// <summary>The operations of the data-plane protocol (one byte in the request header).</summary>
public enum DataPlaneOpCode : byte
{
    /// <summary>A read; its option bits add touch, vivify and recache (<see cref="DataPlaneProtocol.ReadTouch"/>, ...).</summary>
    Get = 1,
    Store = 2,
    Delete = 3,
    Arithmetic = 4,
    Touch = 5,
    Flush = 6,
    /// <summary>Next chunk of a region scan (for resync); scan id 0 starts one, chunk size 0 abandons one.</summary>
    ScanChunk = 7,
    Stats = 8,
    /// <summary>Bucket digests of a region's versions and the versions of chosen buckets (anti-entropy; see <see cref="ReplicaVersions"/>).</summary>
    Versions = 9,
}
