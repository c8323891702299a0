using Xunit;
using Mnemo.DataPlane;

namespace Mnemo.DataPlane.Tests;

/// <summary>One test per rule of mcrouter's reply severity order (mcrouter/lib/McResUtil.h).</summary>
public sealed class ReplySeverityTests
{
    [Fact]
    public void Exists_counts_as_success_like_ok() =>
        Assert.False(ReplySeverity.WorseThan(CacheStatus.Exists, CacheStatus.Ok) || ReplySeverity.WorseThan(CacheStatus.Ok, CacheStatus.Exists));

    [Fact]
    public void A_miss_is_worse_than_success()
    {
        Assert.True(ReplySeverity.WorseThan(CacheStatus.NotFound, CacheStatus.Ok));
        Assert.True(ReplySeverity.WorseThan(CacheStatus.NotStored, CacheStatus.Exists));
    }

    [Fact]
    public void Not_found_and_not_stored_are_equally_severe() =>
        Assert.Equal(ReplySeverity.Of(CacheStatus.NotFound), ReplySeverity.Of(CacheStatus.NotStored));

    [Fact]
    public void An_unreachable_replica_is_worse_than_a_miss() =>
        Assert.True(ReplySeverity.WorseThan(CacheStatus.Unavailable, CacheStatus.NotStored));

    [Fact]
    public void A_bad_key_is_worse_than_an_unreachable_replica() =>
        Assert.True(ReplySeverity.WorseThan(CacheStatus.BadKey, CacheStatus.Unavailable));

    [Fact]
    public void Server_errors_are_worse_than_a_bad_key()
    {
        Assert.True(ReplySeverity.WorseThan(CacheStatus.NoMemory, CacheStatus.BadKey));
        Assert.True(ReplySeverity.WorseThan(CacheStatus.TooLarge, CacheStatus.BadKey));
        Assert.Equal(ReplySeverity.Of(CacheStatus.NoMemory), ReplySeverity.Of(CacheStatus.TooLarge));
    }

    [Fact]
    public void A_local_error_is_worse_than_a_server_error() =>
        Assert.True(ReplySeverity.WorseThan(CacheStatus.BufferTooSmall, CacheStatus.NoMemory));

    [Fact]
    public void A_client_error_is_the_worst() =>
        Assert.All(Enum.GetValues<CacheStatus>().Where(s => s != CacheStatus.NonNumeric),
            s => Assert.True(ReplySeverity.WorseThan(CacheStatus.NonNumeric, s), $"{s}"));

    [Fact]
    public void Worse_than_is_strict() =>
        Assert.All(Enum.GetValues<CacheStatus>(), s => Assert.False(ReplySeverity.WorseThan(s, s)));
}
