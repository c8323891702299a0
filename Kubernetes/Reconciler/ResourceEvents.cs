using System.Text.Json;
using k8s;
using k8s.Models;

namespace Mnemo.Kubernetes.Reconciler;

/// <summary>Writes core/v1 Events about a resource, so <c>kubectl describe</c> lists what the reconciler did.</summary>
public sealed class ResourceEvents(IKubernetes client, string component, TimeProvider? time = null)
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Records one Event about <paramref name="resource"/> (a custom object as JSON), carrying <paramref name="labels"/>.</summary>
    public Task RecordAsync(JsonElement resource, string type, string reason, string message, CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? labels = null)
    {
        JsonElement metadata = resource.GetProperty("metadata");
        string name = metadata.GetProperty("name").GetString()!;
        string ns = metadata.TryGetProperty("namespace", out JsonElement n) ? n.GetString()! : "default";
        DateTime now = _time.GetUtcNow().UtcDateTime;
        var @event = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                Name = $"{name}.{Guid.NewGuid():N}"[..Math.Min(name.Length + 17, 253)],
                NamespaceProperty = ns,
                Labels = labels is { Count: > 0 } ? labels.ToDictionary() : null,
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = resource.GetProperty("apiVersion").GetString(),
                Kind = resource.GetProperty("kind").GetString(),
                Name = name,
                NamespaceProperty = ns,
                Uid = metadata.TryGetProperty("uid", out JsonElement uid) ? uid.GetString() : null,
                ResourceVersion = metadata.TryGetProperty("resourceVersion", out JsonElement rv) ? rv.GetString() : null,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Source = new V1EventSource { Component = component },
            ReportingComponent = component,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        return client.CoreV1.CreateNamespacedEventAsync(@event, ns, cancellationToken: cancellationToken);
    }
}
