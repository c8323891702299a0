namespace Mnemo.Grains;

/// <summary>
/// The Hazelcast cluster the <c>hazelcast</c> profile pauses: the REST addresses of its members (tried in
/// order until one answers), and the cluster name and password its REST API authenticates
/// <c>changeState</c> with (Hazelcast's defaults: <c>dev</c> and no password).
/// </summary>
public sealed record HazelcastMembers(IReadOnlyList<Uri> Addresses, string ClusterName, string Password)
{
    public const string DefaultClusterName = "dev";

    /// <summary>Hazelcast members listen for REST on their member port, 5701 unless configured otherwise.</summary>
    public const int DefaultPort = 5701;

    /// <summary>A member's REST base address from <c>host</c>, <c>host:port</c> or an http(s) URL.</summary>
    public static Uri ParseAddress(string address)
    {
        string withScheme = address.Contains("://", StringComparison.Ordinal) ? address : $"http://{address}";
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || uri.Query != "")
            throw new ArgumentException($"profileOptions: --address takes a Hazelcast member as host[:port] or http(s)://host[:port], not '{address}'");
        bool portGiven = !uri.IsDefaultPort || address.TrimEnd('/').EndsWith($":{uri.Port}", StringComparison.Ordinal);
        return new UriBuilder(uri) { Port = portGiven ? uri.Port : DefaultPort }.Uri;
    }
}
