using System.Globalization;

namespace Mnemo.Grains;

/// <summary>
/// What a cluster snapshot runs around its fence for the application, from the resource's
/// <c>profile</c> and <c>profileOptions</c>. <c>none</c> (or empty): nothing. <c>generic</c>: an HTTP
/// POST to <c>--pre URL</c> before the fence (the application pauses or flushes; a failure or a
/// non-2xx answer fails the snapshot) and to <c>--post URL</c> after it (the application resumes;
/// also after a failure), each within <c>--timeout SECONDS</c> (default 10).
/// </summary>
public sealed record SnapshotProfile(string Name, Uri? Pre, Uri? Post, TimeSpan Timeout)
{
    public const string None = "none";
    public const string Generic = "generic";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The profile, or <see cref="ArgumentException"/> naming what is wrong with it.</summary>
    public static SnapshotProfile Parse(string? profile, string? options)
    {
        string name = string.IsNullOrWhiteSpace(profile) ? None : profile.Trim();
        string[] words = (options ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (name == None)
        {
            return words.Length == 0
                ? new SnapshotProfile(None, null, null, DefaultTimeout)
                : throw new ArgumentException($"profile '{None}' takes no profileOptions (got '{options}')");
        }
        if (name != Generic)
            throw new ArgumentException($"profile '{name}' is not supported (supported: {None}, {Generic})");

        Uri? pre = null, post = null;
        TimeSpan timeout = DefaultTimeout;
        for (int i = 0; i < words.Length; i++)
        {
            string option = words[i];
            string value = i + 1 < words.Length ? words[++i] : throw new ArgumentException($"profileOptions: {option} needs a value");
            switch (option)
            {
                case "--pre":
                    pre = HttpUri(option, value);
                    break;
                case "--post":
                    post = HttpUri(option, value);
                    break;
                case "--timeout" when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) && seconds is > 0 and <= 300:
                    timeout = TimeSpan.FromSeconds(seconds);
                    break;
                case "--timeout":
                    throw new ArgumentException($"profileOptions: --timeout takes seconds from 0 to 300, not '{value}'");
                default:
                    throw new ArgumentException($"profileOptions: unknown option '{option}' (generic takes --pre URL, --post URL, --timeout SECONDS)");
            }
        }
        return pre is null && post is null
            ? throw new ArgumentException("profile 'generic' needs --pre URL and/or --post URL in profileOptions")
            : new SnapshotProfile(Generic, pre, post, timeout);
    }

    private static Uri HttpUri(string option, string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) && uri.Scheme is "http" or "https"
            ? uri
            : throw new ArgumentException($"profileOptions: {option} takes an http(s) URL, not '{value}'");
}
