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
    [InlineData("redis", "", "profile 'redis' is not supported (supported: none, generic, hazelcast)")]
    [InlineData("hazelcast", "", "profile 'hazelcast' needs --address HOST[:PORT] of a Hazelcast member (or --nopause)")]
    [InlineData("hazelcast", "--address ftp://h:5701", "profileOptions: --address takes a Hazelcast member as host[:port] or http(s)://host[:port], not 'ftp://h:5701'")]
    [InlineData("hazelcast", "--address h --cluster-name", "profileOptions: --cluster-name needs a value")]
    [InlineData("hazelcast", "--address h --pre http://h/p", "profileOptions: unknown option '--pre' (hazelcast takes --address")]
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

    [Fact]
    public void Hazelcast_takes_member_addresses_a_cluster_name_a_password_and_a_timeout()
    {
        SnapshotProfile parsed = SnapshotProfile.Parse("hazelcast",
            "--address hz-0.hz:5701,hz-1.hz --address https://hz-2.hz:5443 --cluster-name prod --password s3cret --timeout 3");
        Assert.Equal(SnapshotProfile.HazelcastName, parsed.Name);
        Assert.Equal([new Uri("http://hz-0.hz:5701/"), new Uri("http://hz-1.hz:5701/"), new Uri("https://hz-2.hz:5443/")], parsed.Hazelcast!.Addresses);
        Assert.Equal("prod", parsed.Hazelcast.ClusterName);
        Assert.Equal("s3cret", parsed.Hazelcast.Password);
        Assert.Equal(TimeSpan.FromSeconds(3), parsed.Timeout);

        SnapshotProfile defaults = SnapshotProfile.Parse("hazelcast", "--address 10.0.0.7");
        Assert.Equal(new Uri("http://10.0.0.7:5701/"), Assert.Single(defaults.Hazelcast!.Addresses));
        Assert.Equal("dev", defaults.Hazelcast.ClusterName);
        Assert.Equal("", defaults.Hazelcast.Password);
    }

    [Fact]
    public void Hazelcast_nopause_needs_no_address_and_pauses_nothing()
    {
        SnapshotProfile parsed = SnapshotProfile.Parse("hazelcast", "--nopause");
        Assert.Equal(SnapshotProfile.HazelcastName, parsed.Name);
        Assert.Null(parsed.Hazelcast);
    }
}
