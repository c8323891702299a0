namespace Mnemo.Grains.Tests;

/// <summary>A cluster snapshot's profile and its options, as the resource gives them.</summary>
public sealed class SnapshotProfileTests
{
    [Theory]
    [InlineData(null, null)]
    [InlineData("", "")]
    [InlineData("none", "  ")]
    public void No_profile_runs_no_hook(string? profile, string? options)
    {
        SnapshotProfile parsed = SnapshotProfile.Parse(profile, options);
        Assert.Equal(SnapshotProfile.None, parsed.Name);
        Assert.Null(parsed.Pre);
        Assert.Null(parsed.Post);
    }

    [Fact]
    public void Generic_takes_pre_and_post_urls_and_a_timeout()
    {
        SnapshotProfile parsed = SnapshotProfile.Parse("generic", "--pre http://127.0.0.1:8080/pause  --post https://app.example/resume --timeout 2.5");
        Assert.Equal(new Uri("http://127.0.0.1:8080/pause"), parsed.Pre);
        Assert.Equal(new Uri("https://app.example/resume"), parsed.Post);
        Assert.Equal(TimeSpan.FromSeconds(2.5), parsed.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(10), SnapshotProfile.Parse("generic", "--post http://h/r").Timeout);
    }

    [Theory]
    [InlineData("hazelcast", "--nopause", "profile 'hazelcast' is not supported (supported: none, generic)")]
    [InlineData("none", "--pre http://h/p", "profile 'none' takes no profileOptions")]
    [InlineData("generic", "", "profile 'generic' needs --pre URL and/or --post URL")]
    [InlineData("generic", "--pre", "profileOptions: --pre needs a value")]
    [InlineData("generic", "--pre ftp://h/p", "profileOptions: --pre takes an http(s) URL, not 'ftp://h/p'")]
    [InlineData("generic", "--pre http://h/p --timeout 0", "profileOptions: --timeout takes seconds from 0 to 300, not '0'")]
    [InlineData("generic", "--pre http://h/p --wait 3", "profileOptions: unknown option '--wait'")]
    public void A_bad_profile_is_refused_with_the_reason(string profile, string options, string reason)
    {
        var refused = Assert.Throws<ArgumentException>(() => SnapshotProfile.Parse(profile, options));
        Assert.Contains(reason, refused.Message);
    }
}
