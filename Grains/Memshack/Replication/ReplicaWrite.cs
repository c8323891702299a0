using Mnemo.Grains.Interfaces.Memshack;

namespace Mnemo.Grains.Memshack.Replication;

/// <summary>A keyed write a replica set fans out, captured once so every replica gets the same call.</summary>
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
    public ulong CasIn { get; private init; }
    public ulong Delta { get; private init; }
    public bool Decrement { get; private init; }

    public static ReplicaWrite Store(CacheStoreMode mode, ReadOnlyMemory<byte> key, ReadOnlyMemory<byte> value, uint flags, long exptime, ulong casIn) =>
        new(ReplicaWriteKind.Store, key) { Mode = mode, Value = value, Flags = flags, Exptime = exptime, CasIn = casIn };

    public static ReplicaWrite Delete(ReadOnlyMemory<byte> key, ulong casIn) => new(ReplicaWriteKind.Delete, key) { CasIn = casIn };

    public static ReplicaWrite Arithmetic(ReadOnlyMemory<byte> key, bool decrement, ulong delta) =>
        new(ReplicaWriteKind.Arithmetic, key) { Decrement = decrement, Delta = delta };

    public static ReplicaWrite Touch(ReadOnlyMemory<byte> key, long exptime) => new(ReplicaWriteKind.Touch, key) { Exptime = exptime };

    public ValueTask<CacheResult> SendTo(IReplica replica, CancellationToken cancellationToken) => Kind switch
    {
        ReplicaWriteKind.Store => replica.StoreAsync(Mode, Key, Value, Flags, Exptime, CasIn, cancellationToken),
        ReplicaWriteKind.Delete => replica.DeleteAsync(Key, CasIn, cancellationToken),
        ReplicaWriteKind.Arithmetic => replica.ArithmeticAsync(Key, Decrement, Delta, cancellationToken),
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
