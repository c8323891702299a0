using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Mnemo.Api.V1;
using Mnemo.DataPlane;

namespace Mnemo.Api;

/// <summary>
/// The gRPC statuses the API answers, each with <c>google.rpc.Status</c> details: an
/// <see cref="ErrorInfo"/> (domain <see cref="Domain"/>, a reason in capitals, the Memshack in its
/// metadata, or the cluster snapshot in <c>metadata["snapshot"]</c>) and, for bad fields, a <see cref="BadRequest"/>.
/// </summary>
public static class ApiErrors
{
    public const string Domain = "mnemo.dev";

    public static RpcException MemshackNotFound(MemshackName memshack) =>
        Error(Code.NotFound, $"Memshack {KeyOf(memshack)} is not served", "MEMSHACK_NOT_FOUND", memshack,
            Any.Pack(new ResourceInfo { ResourceType = "mnemo.dev/Memshack", ResourceName = KeyOf(memshack) }));

    public static RpcException BadField(string field, string problem, MemshackName? memshack = null) =>
        Error(Code.InvalidArgument, $"{field}: {problem}", "INVALID_FIELD", memshack,
            Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = problem } } }));

    /// <summary>The status of a cache operation that did not succeed; <paramref name="field"/> names the request's key field.</summary>
    public static RpcException FromCache(CacheStatus status, MemshackName memshack, string field, int itemSizeMax) => status switch
    {
        CacheStatus.NotFound => Error(Code.NotFound, "no such key", "KEY_NOT_FOUND", memshack),
        CacheStatus.Exists => Error(Code.FailedPrecondition, "the item's CAS unique differs", "CAS_MISMATCH", memshack),
        CacheStatus.NotStored => Error(Code.AlreadyExists, "the key exists", "KEY_EXISTS", memshack),
        CacheStatus.TooLarge => BadField("value", $"the item is larger than the Memshack's item size limit ({itemSizeMax} bytes with its key)", memshack),
        CacheStatus.NoMemory => Error(Code.ResourceExhausted, "no memory left for the item", "OUT_OF_MEMORY", memshack),
        CacheStatus.NonNumeric => Error(Code.FailedPrecondition, "the value is not a decimal unsigned 64-bit number", "NOT_NUMERIC", memshack),
        CacheStatus.BadKey => BadField(field, "a key is 1 to 250 bytes", memshack),
        CacheStatus.Unavailable => Error(Code.Unavailable, "the replicas needed did not answer", "REPLICAS_UNAVAILABLE", memshack),
        _ => Error(Code.Internal, $"unexpected cache status {status}", "INTERNAL", memshack),
    };

    public static RpcException SnapshotNotFound(string snapshot) =>
        ErrorOn(Code.NotFound, $"no cluster snapshot {snapshot}", "SNAPSHOT_NOT_FOUND", ("snapshot", snapshot),
            Any.Pack(new ResourceInfo { ResourceType = "mnemo.dev/ClusterSnapshot", ResourceName = snapshot }));

    public static RpcException RestoreNotFound(string snapshot, string restore) =>
        ErrorOn(Code.NotFound, $"no restore {restore} of cluster snapshot {snapshot}", "RESTORE_NOT_FOUND", ("snapshot", snapshot),
            Any.Pack(new ResourceInfo { ResourceType = "mnemo.dev/ClusterSnapshotRestore", ResourceName = restore }));

    public static RpcException SnapshotNotCommitted(string snapshot, string phase) =>
        ErrorOn(Code.FailedPrecondition, $"cluster snapshot {snapshot} is {phase}, not Committed", "SNAPSHOT_NOT_COMMITTED", ("snapshot", snapshot),
            Any.Pack(new PreconditionFailure
            {
                Violations = { new PreconditionFailure.Types.Violation { Type = "PHASE", Subject = snapshot, Description = $"the snapshot is {phase}" } },
            }));

    /// <summary>No replica of one of the snapshot's shards could export its engine snapshot.</summary>
    public static RpcException ExportFailed(string snapshot, string problem) =>
        ErrorOn(Code.Unavailable, problem, "REPLICAS_UNAVAILABLE", ("snapshot", snapshot));

    /// <summary>An imported cluster snapshot file that is not one, or is damaged or cut short: nothing was written.</summary>
    public static RpcException SnapshotFileDamaged(string problem) =>
        ErrorOn(Code.DataLoss, $"{problem}; nothing imported", "SNAPSHOT_FILE_DAMAGED", null);

    /// <summary>An imported file longer than the silo spools (<c>--grpc-max-import-size</c>).</summary>
    public static RpcException SnapshotFileTooLarge(long limit) =>
        ErrorOn(Code.ResourceExhausted, $"the file is longer than the {limit} bytes this silo takes; nothing imported", "SNAPSHOT_FILE_TOO_LARGE", null);

    /// <summary>The Kubernetes API refused a resource: its name taken (ALREADY_EXISTS, <paramref name="existsReason"/>) or a field it does not accept.</summary>
    public static RpcException ResourceRejected(bool exists, string existsReason, string snapshot, string message) => exists
        ? ErrorOn(Code.AlreadyExists, message, existsReason, ("snapshot", snapshot))
        : ErrorOn(Code.InvalidArgument, message, "INVALID_FIELD", ("snapshot", snapshot));

    /// <summary>The Kubernetes API, which holds the snapshots, did not answer.</summary>
    public static RpcException KubernetesUnavailable(string problem) =>
        ErrorOn(Code.Unavailable, $"the Kubernetes API did not answer: {problem}", "KUBERNETES_API_UNAVAILABLE", null);

    public static string KeyOf(MemshackName memshack) => $"{memshack.Namespace}/{memshack.Name}";

    private static RpcException Error(Code code, string message, string reason, MemshackName? memshack, params Any[] more) =>
        ErrorOn(code, message, reason, memshack is null ? null : ("memshack", KeyOf(memshack)), more);

    private static RpcException ErrorOn(Code code, string message, string reason, (string Key, string Value)? subject, params Any[] more)
    {
        var info = new ErrorInfo { Domain = Domain, Reason = reason };
        if (subject is { } s)
            info.Metadata[s.Key] = s.Value;
        var status = new Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(info) } };
        status.Details.AddRange(more);
        return status.ToRpcException();
    }
}
