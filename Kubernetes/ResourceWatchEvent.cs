using System.Text.Json;

namespace Mnemo.Kubernetes;

/// <summary>What a <see cref="CustomResourceWatch"/> event reports.</summary>
public enum ResourceWatchEventType
{
    Added,
    Modified,
    Deleted,

    /// <summary>
    /// A (re)list finished: <see cref="ResourceWatchEvent.Objects"/> is now exactly the server's set. Sent after
    /// the first list and after every re-list (410 Gone); the Added/Modified/Deleted events that reconcile the
    /// previous set with the listed one come before it.
    /// </summary>
    Resynced,
}

/// <summary>
/// One change seen by a <see cref="CustomResourceWatch"/>. <see cref="Objects"/> is an immutable snapshot of
/// all current objects after the change, keyed by <c>namespace/name</c>, so a consumer can be level-based.
/// </summary>
/// <param name="Type">The kind of change.</param>
/// <param name="Key"><c>namespace/name</c> (<c>name</c> for cluster-scoped objects); null for <see cref="ResourceWatchEventType.Resynced"/>.</param>
/// <param name="Object">The object (its last state for Deleted); null for Resynced.</param>
/// <param name="Objects">All current objects after this event.</param>
public sealed record ResourceWatchEvent(
    ResourceWatchEventType Type,
    string? Key,
    JsonElement? Object,
    IReadOnlyDictionary<string, JsonElement> Objects);
