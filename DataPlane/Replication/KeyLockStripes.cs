using System.Runtime.CompilerServices;

namespace Mnemo.DataPlane;

/// <summary>
/// Async locks striped by key hash. A replica set holds a key's stripe while it fans a write out,
/// so writes to one key from this gateway reach every replica in the same order, and a repair or a
/// resync copy of that key cannot interleave with a write to it. Uncontended entry completes
/// synchronously without allocating.
/// </summary>
public sealed class KeyLockStripes
{
    private readonly SemaphoreSlim[] _stripes;

    public KeyLockStripes(int stripes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stripes);
        _stripes = new SemaphoreSlim[stripes];
        for (int i = 0; i < stripes; i++)
        {
            _stripes[i] = new SemaphoreSlim(1, 1);
        }
    }

    /// <summary>Enters the stripe of <paramref name="key"/>; pass the returned index to <see cref="Exit"/>.</summary>
    public ValueTask<int> EnterAsync(ReadOnlyMemory<byte> key, CancellationToken cancellationToken = default)
    {
        int stripe = StripeOf(key.Span);
        return _stripes[stripe].Wait(0) ? new(stripe) : WaitAsync(stripe, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitAsync(int stripe, CancellationToken cancellationToken)
    {
        await _stripes[stripe].WaitAsync(cancellationToken).ConfigureAwait(false);
        return stripe;
    }

    public void Exit(int stripe) => _stripes[stripe].Release();

    /// <summary>Waits until every write that entered before this call has left (takes and releases every stripe).</summary>
    public async Task BarrierAsync(CancellationToken cancellationToken = default)
    {
        foreach (SemaphoreSlim stripe in _stripes)
        {
            await stripe.WaitAsync(cancellationToken).ConfigureAwait(false);
            stripe.Release();
        }
    }

    private int StripeOf(ReadOnlySpan<byte> key)
    {
        // FNV-1a: cheap, and good enough to spread keys over stripes.
        uint hash = 2166136261;
        foreach (byte b in key)
        {
            hash = (hash ^ b) * 16777619;
        }
        return (int)(hash % (uint)_stripes.Length);
    }
}
