namespace Mnemo.Silo.DataPlane;

/// <summary>The operations of the data-plane protocol (one byte in the request header).</summary>
public enum DataPlaneOpCode : byte
{
    Get = 1,
    GetAndTouch = 2,
    Store = 3,
    Delete = 4,
    Arithmetic = 5,
    Touch = 6,
    Flush = 7,
    /// <summary>Next chunk of a region scan (for resync); scan id 0 starts one, chunk size 0 abandons one.</summary>
    ScanChunk = 8,
    Stats = 9,
}
