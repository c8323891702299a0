using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mnemo.Kubernetes;

/// <summary>
/// The nodes the cluster knows, kept in the Kubernetes API of one namespace: a <c>MnemoNode</c> object
/// (<c>mnemonodes.mnemo.dev</c>, named after the node) that a silo creates on its first start and that
/// stays until an operator deletes it (<c>kubectl delete mnemonode &lt;node&gt;</c>), and each node's CAS
/// clock ordinal: allocated once per node name in the ConfigMap <see cref="OrdinalsConfigMap"/> (node name
/// → ordinal) by a compare-and-swap on its resourceVersion, so two nodes registering at once never get the
/// same one and a node keeps its ordinal across restarts, joins and leaves of others.
/// </summary>
public sealed class NodeRegistry(IKubernetes client, string @namespace, ILogger? logger = null)
{
    public const string NodePlural = "mnemonodes";
    public const string NodeKind = "MnemoNode";
    public const string OrdinalsConfigMap = "mnemo-node-ordinals";

    /// <summary>Ordinals are 8 bits wide (the low byte of every CAS).</summary>
    public const int MaxOrdinals = 256;

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    public string Namespace { get; } = @namespace;

    /// <summary>
    /// Registers <paramref name="node"/> (idempotent): allocates its ordinal if it has none yet and creates
    /// its <c>MnemoNode</c> object if missing, with <paramref name="labels"/> (set again on an existing one, others kept,
    /// as a kubelet sets its node's labels). Returns the ordinal.
    /// </summary>
    public async Task<int> RegisterAsync(string node, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? labels = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        int ordinal = await AllocateOrdinalAsync(node, cancellationToken).ConfigureAwait(false);
        var body = new Dictionary<string, object>
        {
            ["apiVersion"] = MnemoResources.ApiVersion,
            ["kind"] = NodeKind,
            ["metadata"] = new Dictionary<string, object> { ["name"] = ObjectName(node), ["namespace"] = Namespace, ["labels"] = labels ?? new Dictionary<string, string>() },
            ["spec"] = new Dictionary<string, object> { ["node"] = node, ["ordinal"] = ordinal },
        };
        try
        {
            await client.CustomObjects.CreateNamespacedCustomObjectAsync(body, MnemoResources.Group, MnemoResources.Version, Namespace, NodePlural,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            _logger.LogInformation("Node {Node} registered with CAS ordinal {Ordinal}", node, ordinal);
        }
        catch (Exception e) when (KubernetesApiErrors.IsConflict(e))
        {
            // Registered by an earlier start.
            if (labels is { Count: > 0 })
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(new { metadata = new { labels } }, V1Patch.PatchType.MergePatch),
                    MnemoResources.Group, MnemoResources.Version, Namespace, NodePlural, ObjectName(node), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        return ordinal;
    }

    /// <summary>
    /// The ordinal of <paramref name="node"/>: the one the ConfigMap records, else the lowest free one,
    /// recorded with the resourceVersion read as precondition (a 409 means another node was first: read again).
    /// </summary>
    public async Task<int> AllocateOrdinalAsync(string node, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            V1ConfigMap? map = await ReadConfigMapAsync(cancellationToken).ConfigureAwait(false);
            Dictionary<string, int> taken = OrdinalsOf(map);
            if (taken.TryGetValue(node, out int known))
                return known;
            var used = taken.Values.ToHashSet();
            int ordinal = Enumerable.Range(0, MaxOrdinals).FirstOrDefault(o => !used.Contains(o), -1);
            if (ordinal < 0)
                throw new InvalidOperationException($"all {MaxOrdinals} CAS ordinals of ConfigMap {Namespace}/{OrdinalsConfigMap} are taken; {node} cannot be registered");
            try
            {
                if (map is null)
                {
                    var created = new V1ConfigMap
                    {
                        Metadata = new V1ObjectMeta { Name = OrdinalsConfigMap, NamespaceProperty = Namespace },
                        Data = new Dictionary<string, string> { [node] = Format(ordinal) },
                    };
                    await client.CoreV1.CreateNamespacedConfigMapAsync(created, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    map.Data ??= new Dictionary<string, string>();
                    map.Data[node] = Format(ordinal);
                    // map.Metadata.ResourceVersion is the one read: the API refuses the replace (409) if it changed since.
                    await client.CoreV1.ReplaceNamespacedConfigMapAsync(map, OrdinalsConfigMap, Namespace, cancellationToken: cancellationToken)
                        .ConfigureAwait(false);
                }
                return ordinal;
            }
            catch (Exception e) when (KubernetesApiErrors.IsConflict(e))
            {
                _logger.LogDebug("Ordinal {Ordinal} for {Node} lost a race; reading the ordinals again", ordinal, node);
            }
        }
    }

    /// <summary>Every ordinal allocated so far, by node name.</summary>
    public async Task<IReadOnlyDictionary<string, int>> ReadOrdinalsAsync(CancellationToken cancellationToken) =>
        OrdinalsOf(await ReadConfigMapAsync(cancellationToken).ConfigureAwait(false));

    /// <summary>The names of the registered nodes, in ordinal name order.</summary>
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken)
    {
        JsonElement list = await client.CustomObjects.ListNamespacedCustomObjectAsync<JsonElement>(MnemoResources.Group, MnemoResources.Version, Namespace,
            NodePlural, cancellationToken: cancellationToken).ConfigureAwait(false);
        return list.TryGetProperty("items", out JsonElement items) ? NamesOf(items.EnumerateArray()) : [];
    }

    /// <summary>The registered node names after the first list and after every change (a level, like the Memshack feed).</summary>
    public async IAsyncEnumerable<IReadOnlyList<string>> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watch = new CustomResourceWatch(client, MnemoResources.Group, MnemoResources.Version, NodePlural, Namespace, _logger);
        bool listed = false;
        await foreach (ResourceWatchEvent change in watch.WatchAsync(cancellationToken).ConfigureAwait(false))
        {
            listed |= change.Type == ResourceWatchEventType.Resynced;
            if (listed)
                yield return NamesOf(change.Objects.Values);
        }
    }

    /// <summary>The object name of a node's registration: the node name as a DNS label.</summary>
    public static string ObjectName(string node) => ResourceNames.ToDnsLabel(node);

    private static IReadOnlyList<string> NamesOf(IEnumerable<JsonElement> items) =>
        items.Select(NodeOf).Where(n => n is { Length: > 0 }).Select(n => n!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();

    private static string? NodeOf(JsonElement item) =>
        item.TryGetProperty("spec", out JsonElement spec) && spec.TryGetProperty("node", out JsonElement node) && node.ValueKind == JsonValueKind.String
            ? node.GetString()
            : null;

    private async Task<V1ConfigMap?> ReadConfigMapAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedConfigMapAsync(OrdinalsConfigMap, Namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (KubernetesApiErrors.IsNotFound(e))
        {
            return null;
        }
    }

    private static Dictionary<string, int> OrdinalsOf(V1ConfigMap? map)
    {
        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((string node, string value) in map?.Data ?? new Dictionary<string, string>())
        {
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int ordinal))
                ordinals[node] = ordinal;
        }
        return ordinals;
    }

    private static string Format(int ordinal) => ordinal.ToString(CultureInfo.InvariantCulture);
}
