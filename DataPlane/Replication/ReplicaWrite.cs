
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
    /// True when the write creates a new version, which must carry the same CAS on every replica: a
    /// store, incr/decr, or an invalidating delete (a plain delete and a touch keep no new CAS).
    /// </summary>
    public bool NeedsCas => Kind is ReplicaWriteKind.Store or ReplicaWriteKind.Arithmetic || Kind == ReplicaWriteKind.Delete && Options.Invalidate;

    public static ReplicaWrite Store(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime,
        in CacheWriteOptions options) =>
        new(ReplicaWriteKind.Store, key) { Mode = mode, Value = value, Flags = flags, Exptime = exptime, Options = options };

    public static ReplicaWrite Delete(ReadOnlyMemory<byte> key, in CacheWriteOptions options) => new(ReplicaWriteKind.Delete, key) { Options = options };

    public static ReplicaWrite Arithmetic(ReadOnlyMemory<byte> key, bool decrement, ulong delta, in CacheWriteOptions options) =>
        new(ReplicaWriteKind.Arithmetic, key) { Decrement = decrement, Delta = delta, Options = options };

    public static ReplicaWrite Touch(ReadOnlyMemory<byte> key, long exptime) => new(ReplicaWriteKind.Touch, key) { Exptime = exptime };

    /// <summary>This write with the CAS its new version gets on every replica (a CAS the client chose, with E, is kept).</summary>
    public ReplicaWrite WithCas(CasClock clock) =>
        NeedsCas && Options.CasNew == 0 ? this with { Options = Options with { CasNew = clock.Next() } } : this;

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
