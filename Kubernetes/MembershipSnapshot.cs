namespace Mnemo.Kubernetes;

/// <summary>
/// One consistent read of a cluster's table: the version object and the rows as of that version (a
/// committed but not yet written row already substituted), plus rows of an older table incarnation.
/// </summary>
internal sealed record MembershipSnapshot(
    ClusterVersionResource Version,
    IReadOnlyDictionary<string, SiloSpec> Rows,
    IReadOnlyList<SiloResource> StaleRows)
{
    /// <summary>Orleans' table etag: the version object's resourceVersion.</summary>
    public string TableEtag => Version.Metadata.ResourceVersion;

    /// <summary>The row etag Orleans gets back: the commit that last wrote the row.</summary>
    public static string RowEtag(SiloSpec row) => row.Commit.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
