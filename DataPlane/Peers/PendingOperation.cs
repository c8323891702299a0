using System.Buffers;
using System.Threading.Tasks.Sources;

namespace Mnemo.DataPlane;

/// <summary>
/// One request in flight, reused from a fixed table so an operation allocates nothing: the awaiter
/// gets a ValueTask over this object, and reading its result returns the slot to the table. Exactly
/// one party completes it — the response, the link failing, or the timeout sweep — decided by
/// <see cref="TryClaim"/>; only that party may touch the caller's destination buffer.
/// </summary>
internal sealed class PendingOperation(PeerConnection owner, ushort slot) : IValueTaskSource<CacheResult>, IThreadPoolWorkItem
{
    private const int Idle = 0, Waiting = 1, Claimed = 2;

    // Completion is queued to the thread pool (this object is the work item, so queueing allocates nothing), so a
    // caller's code never runs on (and stalls) the receive loop; there the caller's continuation runs inline.
    private ManualResetValueTaskSourceCore<CacheResult> _core;
    private CacheResult _result;
    private int _state;
    private ushort _generation;

    public ushort Slot { get; } = slot;

    /// <summary>Request id: generation in the high 16 bits, slot in the low 16, so a late response to a reused slot is recognised.</summary>
    public uint Id { get; private set; }

    public IBufferWriter<byte>? Destination { get; private set; }

    public PeerLink? Link { get; private set; }

    public long StartedAt { get; private set; }

    public bool IsWaiting => Volatile.Read(ref _state) == Waiting;

    public ValueTask<CacheResult> Start(PeerLink link, IBufferWriter<byte>? destination)
    {
        _generation++;
        Id = (uint)_generation << 16 | Slot;
        Destination = destination;
        Link = link;
        StartedAt = Environment.TickCount64;
        _core.Reset();
        Volatile.Write(ref _state, Waiting);
        return new ValueTask<CacheResult>(this, _core.Version);
    }

    public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Waiting) == Waiting;

    /// <summary>Completes a claimed operation, on a thread-pool thread.</summary>
    public void Complete(in CacheResult result)
    {
        _result = result;
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
    }

    void IThreadPoolWorkItem.Execute() => _core.SetResult(_result);

    public CacheResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Destination = null;
            Link = null;
            Volatile.Write(ref _state, Idle);
            owner.Return(this);
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
