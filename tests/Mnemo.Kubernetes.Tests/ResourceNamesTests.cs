using System.Net;
using Orleans.Runtime;

namespace Mnemo.Kubernetes.Tests;

public sealed class ResourceNamesTests
{
    private const string DnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

    [Theory]
    [InlineData("mnemo")]
    [InlineData("test-0f8fad5b-d9cb-469f-a165-70867728950e")]
    public void A_valid_dns_label_is_kept(string clusterId) => Assert.Equal(clusterId, ResourceNames.ToDnsLabel(clusterId));

    [Theory]
    [InlineData("Mnemo_Prod")]
    [InlineData("my.cluster")]
    [InlineData("--")]
    [InlineData("")]
    [InlineData("a-very-long-cluster-id-that-goes-on-and-on-well-past-sixty-three-characters")]
    public void Anything_else_becomes_a_dns_label_with_a_hash_of_the_original(string clusterId)
    {
        var name = ResourceNames.ToDnsLabel(clusterId);

        Assert.Matches(DnsLabel, name);
        Assert.True(name.Length <= 63);
        Assert.NotEqual(name, ResourceNames.ToDnsLabel(clusterId + "x"));
    }

    [Fact]
    public void Ids_that_clean_up_alike_get_different_names()
    {
        Assert.NotEqual(ResourceNames.ToDnsLabel("Mnemo_A"), ResourceNames.ToDnsLabel("mnemo-a"));
        Assert.StartsWith("mnemo-a-", ResourceNames.ToDnsLabel("Mnemo_A"));
    }

    [Theory]
    [InlineData("node-0", true)]
    [InlineData("Node_1.a", true)]
    [InlineData("", true)]
    [InlineData("not a label", false)]
    [InlineData("-edge", false)]
    [InlineData("slash/no", false)]
    public void Label_values_are_recognised(string value, bool expected) => Assert.Equal(expected, ResourceNames.IsLabelValue(value));

    [Fact]
    public void Silo_names_are_dns_subdomains_for_ipv4_and_ipv6()
    {
        var v4 = ResourceNames.SiloName("mnemo", SiloAddress.New(IPAddress.Parse("10.1.2.3"), 11111, 42));
        var v6 = ResourceNames.SiloName("mnemo", SiloAddress.New(IPAddress.Parse("fe80::1"), 11111, 42));
        var v6Loopback = ResourceNames.SiloName("mnemo", SiloAddress.New(IPAddress.IPv6Loopback, 11111, 42));

        Assert.Equal("mnemo-10-1-2-3-11111-42", v4);
        Assert.Equal("mnemo-fe80--1-11111-42", v6);
        Assert.Matches(DnsLabel, v6Loopback);
        Assert.NotEqual(ResourceNames.SiloName("mnemo", SiloAddress.New(IPAddress.Loopback, 11111, 43)),
                        ResourceNames.SiloName("mnemo", SiloAddress.New(IPAddress.Loopback, 11111, 42)));
    }

    [Fact]
    public void Endpoints_are_shown_as_ip_and_port()
    {
        Assert.Equal("10.1.2.3:30000", ResourceNames.Endpoint(new IPEndPoint(IPAddress.Parse("10.1.2.3"), 30000)));
        Assert.Equal("[::1]:30000", ResourceNames.Endpoint(new IPEndPoint(IPAddress.IPv6Loopback, 30000)));
    }
}
