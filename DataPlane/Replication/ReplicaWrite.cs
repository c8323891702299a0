
namespace Mnemo.DataPlane;

/// <summary>A keyed write a replica set fans out, captured once so every replica gets the same call (and the same CAS).</summary>
internal readonly struct ReplicaWrite
{
    private ReplicaWrite(ReplicaWriteKind kind, ReadOnlyMemory<byte> key)
    {
        Kind = kind;
        Key = key;
    }

    public ReplicaWriteKind Kind { get; }
    public ReadOnlyMemory<byte> Key { get; }
    public CacheStoreMode Mode { get; private init; }
    public ReadOnlyMemory<byte> Value { get; private init; }
    public uint Flags { get; private init; }
    public long Exptime { get; private init; }
    public CacheWriteOptions Options { get; private init; }
    public ulong Delta { get; private init; }
    public bool Decrement { get; private init; }

    /// <summary>
    /// True for a write whose outcome does not depend on what a replica holds (a plain set or delete):
    /// every replica can apply it by itself, ordered by its version (last writer wins).
    /// </summary>
    public bool IsWholeItem => Options.CasIn == 0 && !Options.Invalidate
        && (Kind == ReplicaWriteKind.Delete || Kind == ReplicaWriteKind.Store && Mode == CacheStoreMode.Set);

    public static ReplicaWrite Store(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        in CacheWriteOptions options) =>
        new(ReplicaWriteKind.Store, key) { Mode = mode, Value = value, Flags = flags, Exptime = exptime, Options = options };

    public static ReplicaWrite Delete(ReadOnlyMemory<byte> key, in CacheWriteOptions options) => new(ReplicaWriteKind.Delete, key) { Options = options };

    public static ReplicaWrite Arithmetic(ReadOnlyMemory<byte> key, bool decrement, ulong delta, in CacheWriteOptions options) =>
        new(ReplicaWriteKind.Arithmetic, key) { Decrement = decrement, Delta = delta, Options = options };

    public static ReplicaWrite Touch(ReadOnlyMemory<byte> key, long exptime) => new(ReplicaWriteKind.Touch, key) { Exptime = exptime };

    /// <summary>A whole-item write as every replica applies it: with its version (the client's E, or the clock's), last writer wins.</summary>
    public ReplicaWrite Ordered(CasClock clock) => this with { Options = Options with { CasNew = Version(clock), Ordered = true } };

    /// <summary>
    /// A write that depends on the item, as the shard's ordering replica applies it: its new version is
    /// above the item's, so the copies the others receive are newer than what they hold. A delete that
    /// compares (md C) becomes an ordered delete, so it leaves a tombstone the others get too.
    /// </summary>
    public ReplicaWrite ForOrderingReplica(CasClock clock)
    {
        ulong version = Version(clock);
        return Kind == ReplicaWriteKind.Delete && !Options.Invalidate
            ? this with { Options = Options with { CasNew = Math.Max(version, Options.CasIn + 1), Ordered = true } }
            : this with { Options = Options with { CasNew = version, Advance = true } };
    }

    /// <summary>The version of an ordered delete (the one its tombstone holds); 0 for any other write.</summary>
    public ulong DeleteVersion => Kind == ReplicaWriteKind.Delete && Options.Ordered ? Options.CasNew : 0;

    /// <summary>This ordered delete as the other replicas apply it once the ordering replica has: without the compare.</summary>
    public ReplicaWrite WithoutCompare() => this with { Options = Options with { CasIn = 0 } };

    private ulong Version(CasClock clock) => Options.CasNew != 0 ? Options.CasNew : clock.Next();

    public ValueTask<CacheResult> SendTo(IReplica replica, CancellationToken cancellationToken) => Kind switch
    {
        ReplicaWriteKind.Store => replica.StoreAsync(Mode, Key, Value, Flags, Exptime, Options, cancellationToken),
        ReplicaWriteKind.Delete => replica.DeleteAsync(Key, Options, cancellationToken),
        ReplicaWriteKind.Arithmetic => replica.ArithmeticAsync(Key, Decrement, Delta, Options, cancellationToken),
        _ => replica.TouchAsync(Key, Exptime, cancellationToken),
    };
}

internal enum ReplicaWriteKind : byte
{
    Store,
    Delete,
    Arithmetic,
    Touch,
}
