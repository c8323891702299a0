using System.Text;
using Microsoft.Extensions.Logging;
using Mnemo.Grains.Memshack;
using Mnemo.NativeEngine;

namespace Mnemo.Silo.Memshack;

/// <summary>
/// Reads the Memshack manifests of a folder (one resource per *.yaml, *.yml or *.json file). Files of
/// other kinds are skipped quietly; an invalid Memshack is logged with every reason the parser or the
/// validator gives and skipped, so one bad manifest does not stop the others from being served.
/// </summary>
public static class MemshackManifestLoader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <param name="nodeCount">Nodes that can hold replicas (a Memshack needing more is invalid).</param>
    public static IReadOnlyList<MemshackResource> Load(string folder, int nodeCount, ILogger logger)
    {
        if (!Directory.Exists(folder))
        {
            logger.LogWarning("Memshack manifest folder {Folder} does not exist; no Memshack is served", folder);
            return [];
        }
        var accepted = new List<MemshackResource>();
        foreach (string path in Directory.EnumerateFiles(folder).Where(IsManifest).Order(StringComparer.Ordinal))
        {
            MemshackResource resource;
            try
            {
                resource = MemshackManifestParser.Parse(File.ReadAllText(path));
            }
            catch (MemshackManifestException e) when (e.Reasons.Any(r => r.StartsWith("kind:", StringComparison.Ordinal)))
            {
                logger.LogDebug("Skipping {Path}: not a Memshack", path);
                continue;
            }
            catch (MemshackManifestException e)
            {
                LogRejected(logger, path, e.Reasons);
                continue;
            }
            catch (IOException e)
            {
                LogRejected(logger, path, [e.Message]);
                continue;
            }

            var reasons = new List<string>(MemshackSpecValidator.Validate(resource.Spec, nodeCount));
            if (accepted.Any(a => a.Name == resource.Name && a.Namespace == resource.Namespace))
                reasons.Add($"metadata.name: {resource.Namespace}/{resource.Name} is declared by another manifest too");
            if (accepted.FirstOrDefault(a => a.Spec.McrouterPort == resource.Spec.McrouterPort) is { } clash)
                reasons.Add($"spec.mcrouter_port: {resource.Spec.McrouterPort} is taken by {clash.Namespace}/{clash.Name}");
            string longestRegion = MemshackRegions.Of(resource, Math.Max(resource.Spec.NumShards - 1, 0));
            if (Encoding.UTF8.GetByteCount(longestRegion) > EngineLimits.RegionNameMax)
                reasons.Add($"metadata: namespace and name too long for region names ('{longestRegion}' exceeds {EngineLimits.RegionNameMax} bytes)");
            if (reasons.Count > 0)
            {
                LogRejected(logger, path, reasons);
                continue;
            }
            accepted.Add(resource);
        }
        return accepted;
    }

    private static bool IsManifest(string path) => Extensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase);

    private static void LogRejected(ILogger logger, string path, IEnumerable<string> reasons) =>
        logger.LogError("Memshack manifest {Path} is invalid and not served: {Reasons}", path, string.Join("; ", reasons));
}
