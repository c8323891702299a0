using System.Globalization;
using System.Text.Json;
using k8s.Models;
using Mnemo.Grains.Interfaces;

namespace Mnemo.Kubernetes.Reconciler;

/// <summary>
/// The fields of a MemoryMachine's spec the reconciler acts on: <c>nodeSelector</c> (the labels of the <c>MnemoNode</c>s
/// that get a pool; <c>storage: pmem</c> when absent), <c>capacity</c> (a quantity such as <c>256Mi</c> or bytes, or a
/// percentage such as <c>50%</c>; <c>100%</c> when absent), <c>deviceMode</c> (<c>fsdax</c> when absent), <c>poolPath</c>
/// (absent: wherever each silo opened its pool), <c>logLevel</c> (<c>Information</c> when absent) and <c>labels</c> (for
/// the objects the reconciler creates for it).
/// </summary>
public sealed record MemoryMachineSpec(IReadOnlyDictionary<string, string> NodeSelector, NodePoolTarget Target, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>The values of <c>logLevel</c>, as <see cref="Microsoft.Extensions.Logging.LogLevel"/> names them.</summary>
    public static readonly string[] LogLevels = ["Trace", "Debug", "Information", "Warning", "Error", "Critical"];

    public static readonly IReadOnlyDictionary<string, string> DefaultNodeSelector = new Dictionary<string, string> { ["storage"] = "pmem" };

    /// <summary>The label selector of <see cref="NodeSelector"/>, as the API takes it (<c>k=v,k2=v2</c>).</summary>
    public string LabelSelector => string.Join(",", NodeSelector.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    /// <summary>Reads the spec of <paramref name="memoryMachine"/>; throws <see cref="FormatException"/> naming the field at fault.</summary>
    public static MemoryMachineSpec Parse(JsonElement memoryMachine)
    {
        JsonElement spec = memoryMachine.TryGetProperty("spec", out JsonElement s) && s.ValueKind == JsonValueKind.Object ? s : default;
        IReadOnlyDictionary<string, string> selector = DefaultNodeSelector;
        if (spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("nodeSelector", out JsonElement ns) && ns.ValueKind == JsonValueKind.Object)
            selector = ns.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String
                ? p.Value.GetString()!
                : throw new FormatException($"spec.nodeSelector.{p.Name} must be a string"));

        IReadOnlyDictionary<string, string> labels = spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("labels", out JsonElement l) && l.ValueKind == JsonValueKind.Object
            ? l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ValueKind == JsonValueKind.String
                ? p.Value.GetString()!
                : throw new FormatException($"spec.labels.{p.Name} must be a string"))
            : new Dictionary<string, string>();

        string? poolPath = spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("poolPath", out JsonElement pp) && pp.ValueKind == JsonValueKind.String
            ? pp.GetString()!
            : null;
        if (poolPath is not null && !Path.IsPathRooted(poolPath))
            throw new FormatException($"spec.poolPath must be an absolute path, not '{poolPath}'");

        string logLevel = spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("logLevel", out JsonElement ll) && ll.ValueKind == JsonValueKind.String
            ? ll.GetString()!
            : "Information";
        if (!LogLevels.Contains(logLevel, StringComparer.Ordinal))
            throw new FormatException($"spec.logLevel must be one of {string.Join(", ", LogLevels)}, not '{logLevel}'");

        string mode = spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("deviceMode", out JsonElement m) && m.ValueKind == JsonValueKind.String
            ? m.GetString()!
            : "fsdax";
        if (mode is not ("emulation" or "fsdax" or "devdax"))
            throw new FormatException($"spec.deviceMode must be emulation, fsdax or devdax, not '{mode}'");

        JsonElement capacity = spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("capacity", out JsonElement c) ? c : default;
        NodePoolTarget target = capacity.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => new NodePoolTarget(null, 100, mode),
            JsonValueKind.Number when capacity.TryGetInt64(out long bytes) && bytes > 0 => new NodePoolTarget(bytes, null, mode),
            JsonValueKind.String => Capacity(capacity.GetString()!, mode),
            _ => throw new FormatException($"spec.capacity must be a quantity or a percentage, not {capacity.GetRawText()}"),
        };
        return new MemoryMachineSpec(selector, target with { PoolPath = poolPath, LogLevel = logLevel }, labels);
    }

    private static NodePoolTarget Capacity(string text, string mode)
    {
        if (text.EndsWith('%'))
        {
            return int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out int percent) && percent is >= 1 and <= 100
                ? new NodePoolTarget(null, percent, mode)
                : throw new FormatException($"spec.capacity '{text}': a percentage is 1% to 100%");
        }
        long bytes;
        try
        {
            bytes = new ResourceQuantity(text).ToInt64();
        }
        catch (Exception error) when (error is FormatException or ArgumentException or OverflowException)
        {
            throw new FormatException($"spec.capacity '{text}' is neither a quantity (256Mi, 64Gi, bytes) nor a percentage (50%)");
        }
        return bytes > 0 ? new NodePoolTarget(bytes, null, mode) : throw new FormatException($"spec.capacity '{text}' must be positive");
    }
}
