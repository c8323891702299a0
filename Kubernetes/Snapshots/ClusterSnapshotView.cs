using System.Text.Json;

namespace Mnemo.Kubernetes;

/// <summary>A cluster snapshot as its resource records it: target, phase and progress; <see cref="Phase"/> is <c>Deleting</c> once the resource is being deleted.</summary>
public sealed record ClusterSnapshotView(string Name, string Namespace, string Memshack, string Phase, int ShardsDone, int ShardsTotal, long Items, long Bytes,
    double? FenceMilliseconds, double? DurationMilliseconds, DateTimeOffset? CreatedAt, string? Message)
{
    public static ClusterSnapshotView Of(JsonElement item)
    {
        JsonElement target = JsonFields.Child(JsonFields.Child(item, "spec"), "target");
        JsonElement status = JsonFields.Child(item, "status");
        bool deleting = JsonFields.Text(JsonFields.Child(item, "metadata"), "deletionTimestamp") is not null;
        return new ClusterSnapshotView(JsonFields.Text(JsonFields.Child(item, "metadata"), "name") ?? "", JsonFields.Text(JsonFields.Child(item, "metadata"), "namespace") ?? "",
            $"{JsonFields.Text(target, "namespace") ?? JsonFields.Text(JsonFields.Child(item, "metadata"), "namespace")}/{JsonFields.Text(target, "memshack")}",
            deleting ? "Deleting" : JsonFields.Text(status, "phase") ?? "Pending", (int)(JsonFields.Number(status, "shardsDone") ?? 0), (int)(JsonFields.Number(status, "shardsTotal") ?? 0),
            (long)(JsonFields.Number(status, "items") ?? 0), (long)(JsonFields.Number(status, "bytes") ?? 0), JsonFields.Number(status, "fenceMilliseconds"),
            JsonFields.Number(status, "durationMilliseconds"),
            JsonFields.Text(status, "createdAt") is { } created ? DateTimeOffset.Parse(created, System.Globalization.CultureInfo.InvariantCulture) : null,
            JsonFields.Text(status, "message"));
    }
}

/// <summary>A restore as its resource records it.</summary>
public sealed record ClusterSnapshotRestoreView(string Name, string Snapshot, string Phase, int ShardsDone, int ShardsTotal, double? FenceMilliseconds, string? Message)
{
    public static ClusterSnapshotRestoreView Of(JsonElement item)
    {
        JsonElement status = JsonFields.Child(item, "status");
        return new ClusterSnapshotRestoreView(JsonFields.Text(JsonFields.Child(item, "metadata"), "name") ?? "", JsonFields.Text(JsonFields.Child(item, "spec"), "snapshot") ?? "",
            JsonFields.Text(status, "phase") ?? "Pending", (int)(JsonFields.Number(status, "shardsDone") ?? 0), (int)(JsonFields.Number(status, "shardsTotal") ?? 0),
            JsonFields.Number(status, "fenceMilliseconds"), JsonFields.Text(status, "message"));
    }
}
