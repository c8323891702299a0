using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

public sealed class CasClockTests
{
    [Fact]
    public void Values_carry_the_ordinal_and_strictly_increase_even_when_the_wall_clock_steps_back()
    {
        long now = 1_700_000_000_000_000;
        var clock = new CasClock(5, () => now);
        ulong previous = 0;
        foreach (long step in new long[] { 0, 0, 0, -1_000_000, 3, 0, -5, 2_000_000 })
        {
            now += step;
            ulong cas = clock.Next();
            Assert.True(cas > previous, $"{cas} after {previous}");
            Assert.Equal(5UL, cas & CasClock.MaxOrdinal);
            previous = cas;
        }
        // Once the wall clock is ahead again, values follow it.
        Assert.Equal((ulong)now << CasClock.OrdinalBits | 5, previous);
    }

    [Fact]
    public void Silos_writing_in_the_same_microsecond_pick_different_values()
    {
        const long instant = 1_700_000_000_000_000;
        ulong[] values = Enumerable.Range(0, 4).Select(ordinal => new CasClock(ordinal, () => instant).Next()).ToArray();
        Assert.Equal(values.Length, values.Distinct().Count());
        Assert.All(values, v => Assert.Equal((ulong)instant, v >> CasClock.OrdinalBits));
    }

    [Fact]
    public void Concurrent_callers_never_get_the_same_value()
    {
        var clock = new CasClock(1);
        ulong[][] perThread = Enumerable.Range(0, 4).Select(_ => new ulong[20_000]).ToArray();
        Parallel.For(0, perThread.Length, t =>
        {
            for (int i = 0; i < perThread[t].Length; i++)
            {
                perThread[t][i] = clock.Next();
            }
        });
        ulong[] all = perThread.SelectMany(v => v).ToArray();
        Assert.Equal(all.Length, all.Distinct().Count());
        Assert.All(perThread, values => Assert.True(values.Zip(values.Skip(1)).All(p => p.First < p.Second)));
    }
}
