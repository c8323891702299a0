using System.Globalization;

namespace Mnemo.Grains;

/// <summary>
/// What a cluster snapshot (and each restore of it) runs around its fence for the application, from the
/// resource's <c>profile</c> and <c>profileOptions</c>. <c>none</c> (or empty): nothing. <c>generic</c>: an
/// HTTP POST to <c>--pre URL</c> before the fence (the application pauses or flushes; a failure or a
/// non-2xx answer fails the snapshot) and to <c>--post URL</c> after it (the application resumes; also
/// after a failure), each within <c>--timeout SECONDS</c> (default 10). <c>hazelcast</c>: the Hazelcast
/// cluster at <c>--address host[:port]</c> (repeatable) is set PASSIVE before the fence and ACTIVE after
/// it through its REST API (<c>--cluster-name</c>, <c>--password</c>, <c>--timeout</c>); <c>--nopause</c>
/// leaves it alone.
/// </summary>
public sealed record SnapshotProfile(string Name, Uri? Pre, Uri? Post, TimeSpan Timeout, HazelcastMembers? Hazelcast = null)
{
    public const string None = "none";
    public const string Generic = "generic";
    public const string HazelcastName = "hazelcast";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The profile, or <see cref="ArgumentException"/> naming what is wrong with it.</summary>
    public static SnapshotProfile Parse(string? profile, string? options)
    {
        string name = string.IsNullOrWhiteSpace(profile) ? None : profile.Trim();
        string[] words = (options ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return name switch
        {
            None when words.Length == 0 => new SnapshotProfile(None, null, null, DefaultTimeout),
            None => throw new ArgumentException($"profile '{None}' takes no profileOptions (got '{options}')"),
            Generic => ParseGeneric(words),
            HazelcastName => ParseHazelcast(words),
            _ => throw new ArgumentException($"profile '{name}' is not supported (supported: {None}, {Generic}, {HazelcastName})"),
        };
    }

    private static SnapshotProfile ParseGeneric(string[] words)
    {
        Uri? pre = null, post = null;
        TimeSpan timeout = DefaultTimeout;
        for (int i = 0; i < words.Length; i++)
        {
            string option = words[i];
            switch (option)
            {
                case "--pre":
                    pre = HttpUri(option, ValueOf(words, ref i));
                    break;
                case "--post":
                    post = HttpUri(option, ValueOf(words, ref i));
                    break;
                case "--timeout":
                    timeout = Seconds(ValueOf(words, ref i));
                    break;
                default:
                    throw new ArgumentException($"profileOptions: unknown option '{option}' (generic takes --pre URL, --post URL, --timeout SECONDS)");
            }
        }
        return pre is null && post is null
            ? throw new ArgumentException("profile 'generic' needs --pre URL and/or --post URL in profileOptions")
            : new SnapshotProfile(Generic, pre, post, timeout);
    }

    /// <summary><c>--nopause</c> runs nothing, so it needs no address; otherwise at least one member to reach.</summary>
    private static SnapshotProfile ParseHazelcast(string[] words)
    {
        var addresses = new List<Uri>();
        string clusterName = HazelcastMembers.DefaultClusterName, password = "";
        TimeSpan timeout = DefaultTimeout;
        bool noPause = false;
        for (int i = 0; i < words.Length; i++)
        {
            string option = words[i];
            switch (option)
            {
                case "--nopause":
                    noPause = true;
                    break;
                case "--address":
                    addresses.AddRange(ValueOf(words, ref i).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(HazelcastMembers.ParseAddress));
                    break;
                case "--cluster-name":
                    clusterName = ValueOf(words, ref i);
                    break;
                case "--password":
                    password = ValueOf(words, ref i);
                    break;
                case "--timeout":
                    timeout = Seconds(ValueOf(words, ref i));
                    break;
                default:
                    throw new ArgumentException(
                        $"profileOptions: unknown option '{option}' (hazelcast takes --address HOST[:PORT], --cluster-name NAME, --password PASSWORD, --timeout SECONDS, --nopause)");
            }
        }
        if (noPause)
            return new SnapshotProfile(HazelcastName, null, null, timeout);
        return addresses.Count == 0
            ? throw new ArgumentException("profile 'hazelcast' needs --address HOST[:PORT] of a Hazelcast member (or --nopause) in profileOptions")
            : new SnapshotProfile(HazelcastName, null, null, timeout, new HazelcastMembers(addresses, clusterName, password));
    }

    private static string ValueOf(string[] words, ref int i) =>
        i + 1 < words.Length ? words[++i] : throw new ArgumentException($"profileOptions: {words[i]} needs a value");

    private static TimeSpan Seconds(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds is > 0 and <= 300
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"profileOptions: --timeout takes seconds from 0 to 300, not '{value}'");

    private static Uri HttpUri(string option, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ArgumentException($"profileOptions: {option} takes an http(s) URL, not '{value}'");
}
