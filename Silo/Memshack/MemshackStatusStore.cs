using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mnemo.Grains;
using Mnemo.Grains.Interfaces;
using Mnemo.Kubernetes;

namespace Mnemo.Silo;

/// <summary>
/// The Memshack resources' status in the Kubernetes API as the move coordinator keeps it:
/// <c>status.phase</c> (<c>Serving</c> or <c>Moving</c>), <c>status.topology</c> (shards, replicas and
/// nodes the Memshack is served with) and <c>status.move</c> (the move under way, or the last one when
/// its phase is <c>Done</c>: phase, from, to, shards done of shards total, keys scanned, moved, copied and remaining)
/// and <c>status.placement</c> (the joining nodes the placement waits for or leaves out, when there are any, and since when),
/// written through the <c>/status</c> subresource with a merge patch.
/// </summary>
public sealed class MemshackStatusStore(KubernetesConnection kubernetes) : IMemshackStatusStore
{
    public const string Serving = "Serving";
    public const string Moving = "Moving";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public async Task<MemshackState?> ReadAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        JsonElement item;
        try
        {
            item = await kubernetes.Client.CustomObjects.GetNamespacedCustomObjectAsync<JsonElement>(
                MemshackFeed.Group, MemshackFeed.Version, @namespace, MemshackFeed.Plural, name, cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
        MemshackResource resource;
        try
        {
            resource = MemshackManifestParser.Parse(item.GetRawText());
        }
        catch (MemshackManifestException)
        {
            return null;
        }
        (MemshackTopology? served, MemshackMove? move) = Read(item);
        return new MemshackState(resource, served, move, ReadPlacement(item));
    }

    public async Task WriteAsync(string @namespace, string name, MemshackTopology served, MemshackMove? move, CancellationToken cancellationToken)
    {
        var status = new StatusDocument(move is { UnderWay: true } ? Moving : Serving, TopologyDocument.Of(served), move is null ? null : MoveDocument.Of(move));
        string body = JsonSerializer.Serialize(new { status }, Json);
        await kubernetes.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(body, V1Patch.PatchType.MergePatch),
            MemshackFeed.Group, MemshackFeed.Version, @namespace, MemshackFeed.Plural, name, cancellationToken: cancellationToken);
    }

    public async Task WritePlacementAsync(string @namespace, string name, MemshackPlacementNotice? notice, CancellationToken cancellationToken)
    {
        string body = JsonSerializer.Serialize(new { status = new { placement = notice } }, Json);
        await kubernetes.Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(new V1Patch(body, V1Patch.PatchType.MergePatch),
            MemshackFeed.Group, MemshackFeed.Version, @namespace, MemshackFeed.Plural, name, cancellationToken: cancellationToken);
    }

    /// <summary>Whether the status names joining nodes the placement waits for or leaves out (<c>status.placement</c>).</summary>
    public static bool HasPlacementNotice(JsonElement resource) =>
        resource.TryGetProperty("status", out JsonElement status) && status.ValueKind == JsonValueKind.Object
        && status.TryGetProperty("placement", out JsonElement placement) && placement.ValueKind == JsonValueKind.Object;

    /// <summary>The served topology and move recorded in a Memshack resource's status (nulls when absent or unreadable).</summary>
    public static (MemshackTopology? Served, MemshackMove? Move) Read(JsonElement resource)
    {
        if (!resource.TryGetProperty("status", out JsonElement status) || status.ValueKind != JsonValueKind.Object)
            return (null, null);
        try
        {
            StatusDocument? document = status.Deserialize<StatusDocument>(Json);
            return (document?.Topology?.ToTopology(), document?.Move?.ToMove());
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    /// <summary>The placement notice recorded in a Memshack resource's status (null when absent or unreadable).</summary>
    private static MemshackPlacementNotice? ReadPlacement(JsonElement resource)
    {
        if (!HasPlacementNotice(resource))
            return null;
        try
        {
            return resource.GetProperty("status").GetProperty("placement").Deserialize<PlacementDocument>(Json)?.ToNotice();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record StatusDocument(string? Phase, TopologyDocument? Topology, MoveDocument? Move);

    private sealed record PlacementDocument(string? Reason, string[]? WaitingFor, string[]? LeftOut, string? Message, InactiveNode[]? InactiveSince)
    {
        public MemshackPlacementNotice? ToNotice() =>
            Reason is { Length: > 0 } ? new MemshackPlacementNotice(Reason, WaitingFor ?? [], LeftOut ?? [], Message ?? "", InactiveSince ?? []) : null;
    }

    private sealed record TopologyDocument(int Shards, int Replicas, string[]? Nodes)
    {
        public static TopologyDocument Of(MemshackTopology topology) => new(topology.Shards, topology.Replicas, topology.Nodes);

        public MemshackTopology? ToTopology() => Shards > 0 && Replicas > 0 && Nodes is { Length: > 0 } ? new MemshackTopology(Shards, Replicas, Nodes) : null;
    }

    private sealed record MoveDocument(string? Phase, TopologyDocument? From, TopologyDocument? To, int[]? ShardsDone, int ShardsTotal, long KeysScanned,
        long KeysMoved, long KeysCopied, long KeysRemaining, DateTimeOffset StartedAt, string? Message)
    {
        public static MoveDocument Of(MemshackMove move) =>
            new(move.Phase, TopologyDocument.Of(move.From), TopologyDocument.Of(move.To), move.ShardsDone, move.From.Shards, move.KeysScanned, move.KeysMoved,
                move.KeysCopied, move.KeysRemaining, move.StartedAt, move.Message);

        public MemshackMove? ToMove() =>
            Phase is { Length: > 0 } && From?.ToTopology() is { } from && To?.ToTopology() is { } to
                ? new MemshackMove(Phase, from, to, ShardsDone ?? [], KeysScanned, KeysMoved, KeysRemaining, StartedAt, Message, KeysCopied)
                : null;
    }
}
