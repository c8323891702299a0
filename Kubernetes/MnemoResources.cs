namespace Mnemo.Kubernetes;

/// <summary>Names of the Mnemo custom resources this project reads and writes (see <c>k8s/crds</c>).</summary>
public static class MnemoResources
{
    public const string Group = "mnemo.dev";
    public const string Version = "v1alpha1";
    public const string ApiVersion = Group + "/" + Version;

    public const string SiloKind = "Silo";
    public const string SiloPlural = "silos";

    public const string ClusterVersionKind = "ClusterVersion";
    public const string ClusterVersionPlural = "clusterversions";

    public const string ClusterSnapshotKind = "ClusterSnapshot";
    public const string ClusterSnapshotPlural = "clustersnapshots";

    public const string ClusterSnapshotRestoreKind = "ClusterSnapshotRestore";
    public const string ClusterSnapshotRestorePlural = "clustersnapshotrestores";

    /// <summary>Keeps a deleted <c>ClusterSnapshot</c> until its engine snapshots are dropped on every node.</summary>
    public const string ClusterSnapshotFinalizer = "mnemo.dev/engine-snapshots";

    /// <summary>Label on every membership object: the (label-safe) Orleans ClusterId.</summary>
    public const string ClusterIdLabel = "mnemo.dev/cluster-id";

    /// <summary>Label on silo objects: the silo name (the Mnemo node name), when it is label-safe.</summary>
    public const string NodeLabel = "mnemo.dev/node";
}
