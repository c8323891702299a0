using System.Net;
using System.Text;
using Mnemo.Silo;
using Xunit;

namespace Mnemo.Cluster.Tests;

/// <summary>Who may use the console: open on loopback without a token, closed elsewhere without one, the token when set.</summary>
public sealed class ConsoleAccessTests
{
    private static string Basic(string credentials) => "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials));

    [Fact]
    public void Loopback_without_a_token_is_open()
    {
        Assert.Equal(ConsoleAccessDecision.Allowed, new ConsoleAccess(IPAddress.Loopback, null).Decide(null));
        Assert.Equal(ConsoleAccessDecision.Allowed, new ConsoleAccess(IPAddress.IPv6Loopback, "").Decide(null));
    }

    [Fact]
    public void Another_address_without_a_token_serves_no_one()
    {
        var access = new ConsoleAccess(IPAddress.Parse("10.1.2.3"), null);
        Assert.Equal(ConsoleAccessDecision.NotConfigured, access.Decide(null));
        Assert.Equal(ConsoleAccessDecision.NotConfigured, access.Decide("Bearer anything"));
        Assert.Equal(ConsoleAccessDecision.NotConfigured, new ConsoleAccess(IPAddress.Any, null).Decide(null));
    }

    [Fact]
    public void A_token_is_required_as_bearer_or_basic_password_wherever_the_silo_listens()
    {
        foreach (IPAddress address in new[] { IPAddress.Parse("10.1.2.3"), IPAddress.Loopback })
        {
            var access = new ConsoleAccess(address, "s3cret:x");
            Assert.Equal(ConsoleAccessDecision.Challenge, access.Decide(null));
            Assert.Equal(ConsoleAccessDecision.Challenge, access.Decide("Bearer s3cret"));
            Assert.Equal(ConsoleAccessDecision.Challenge, access.Decide(Basic("s3cret:x")));
            Assert.Equal(ConsoleAccessDecision.Challenge, access.Decide("Basic not-base64!"));
            Assert.Equal(ConsoleAccessDecision.Challenge, access.Decide("Digest s3cret:x"));
            Assert.Equal(ConsoleAccessDecision.Allowed, access.Decide("Bearer s3cret:x"));
            Assert.Equal(ConsoleAccessDecision.Allowed, access.Decide(Basic("anyone:s3cret:x")));
            Assert.Equal(ConsoleAccessDecision.Allowed, access.Decide(Basic(":s3cret:x")));
        }
    }
}
