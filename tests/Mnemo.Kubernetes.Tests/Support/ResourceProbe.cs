using k8s;
using k8s.Autorest;
using System.Net;

namespace Mnemo.Kubernetes.Tests;

/// <summary>Raw looks at (and edits of) the objects the table writes, through a plain client.</summary>
internal static class ResourceProbe
{
    public static async Task<List<SiloResource>> SilosAsync(KubernetesConnection raw, string clusterId)
    {
        var list = await raw.Client.CustomObjects.ListNamespacedCustomObjectAsync<SiloResourceList>(
            MnemoResources.Group, MnemoResources.Version, raw.Namespace, MnemoResources.SiloPlural,
            labelSelector: $"{MnemoResources.ClusterIdLabel}={ResourceNames.ToLabelValue(clusterId)}");
        return list.Items.ToList();
    }

    public static async Task<List<string>> SiloNamesAsync(KubernetesConnection raw, string clusterId) =>
        (await SilosAsync(raw, clusterId)).Select(s => s.Metadata.Name).ToList();

    public static async Task<SiloResource?> SiloAsync(KubernetesConnection raw, string name)
    {
        try
        {
            return await raw.Client.CustomObjects.GetNamespacedCustomObjectAsync<SiloResource>(
                MnemoResources.Group, MnemoResources.Version, raw.Namespace, MnemoResources.SiloPlural, name);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static async Task<ClusterVersionResource?> ClusterVersionAsync(KubernetesConnection raw, string clusterId)
    {
        try
        {
            return await raw.Client.CustomObjects.GetNamespacedCustomObjectAsync<ClusterVersionResource>(
                MnemoResources.Group, MnemoResources.Version, raw.Namespace, MnemoResources.ClusterVersionPlural,
                ResourceNames.ClusterVersionName(clusterId));
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static Task<ClusterVersionResource> ReplaceClusterVersionAsync(KubernetesConnection raw, ClusterVersionResource version) =>
        raw.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<ClusterVersionResource>(
            version, MnemoResources.Group, MnemoResources.Version, raw.Namespace, MnemoResources.ClusterVersionPlural,
            version.Metadata.Name);

    public static Task<SiloResource> ReplaceSiloAsync(KubernetesConnection raw, SiloResource silo) =>
        raw.Client.CustomObjects.ReplaceNamespacedCustomObjectAsync<SiloResource>(
            silo, MnemoResources.Group, MnemoResources.Version, raw.Namespace, MnemoResources.SiloPlural, silo.Metadata.Name);

    public static async Task DeleteClusterVersionAsync(KubernetesConnection raw, string clusterId) =>
        await raw.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(
            MnemoResources.Group, MnemoResources.Version, raw.Namespace, MnemoResources.ClusterVersionPlural,
            ResourceNames.ClusterVersionName(clusterId));
}
