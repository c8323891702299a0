namespace Mnemo.DataPlane;

/// <summary>Counters reported by <c>stats</c>, in memcached's order; names come from <see cref="GatewayStats.Name"/>.</summary>
internal enum Counter
{
    CmdGet,
    CmdSet,
    CmdFlush,
    CmdTouch,
    CmdMeta,
    GetHits,
    GetMisses,
    DeleteMisses,
    DeleteHits,
    IncrMisses,
    IncrHits,
    DecrMisses,
    DecrHits,
    CasMisses,
    CasHits,
    CasBadValue,
    TouchHits,
    TouchMisses,
    StoreTooLarge,
    StoreNoMemory,
    BytesRead,
    BytesWritten,
    TotalItems,
}
