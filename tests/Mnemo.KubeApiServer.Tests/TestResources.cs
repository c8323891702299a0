using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>The CRDs the tests serve besides the repository's own.</summary>
internal static class TestResources
{
    public const string Group = "test.mnemo.dev";
    public const string Version = "v1";
    public const string Widgets = "widgets";
    public const string Gadgets = "gadgets";

    /// <summary>Namespaced, with a status subresource and printer columns.</summary>
    public const string WidgetCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.test.mnemo.dev
        spec:
          group: test.mnemo.dev
          scope: Namespaced
          names:
            kind: Widget
            listKind: WidgetList
            plural: widgets
            singular: widget
            shortNames: [wd]
          versions:
            - name: v1
              served: true
              storage: true
              subresources:
                status: {}
              additionalPrinterColumns:
                - {name: Size, type: integer, jsonPath: .spec.size}
                - {name: Color, type: string, jsonPath: .spec.color}
                - {name: Phase, type: string, jsonPath: .status.phase}
                - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
              schema:
                openAPIV3Schema:
                  type: object
                  x-kubernetes-preserve-unknown-fields: true
        """;

    /// <summary>Cluster-scoped, no status subresource, no printer columns (Name and Age).</summary>
    public const string GadgetCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: gadgets.test.mnemo.dev
        spec:
          group: test.mnemo.dev
          scope: Cluster
          names: {kind: Gadget, plural: gadgets}
          versions:
            - name: v1
              served: true
              storage: true
              schema:
                openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """;

    /// <summary>Only the kustomization test applies objects of it (its kind must be in discovery from the start).</summary>
    public const string GizmoCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: gizmos.kustomize.test.mnemo.dev
        spec:
          group: kustomize.test.mnemo.dev
          scope: Namespaced
          names: {kind: Gizmo, plural: gizmos}
          versions:
            - name: v1
              served: true
              storage: true
              additionalPrinterColumns:
                - {name: Level, type: integer, jsonPath: .spec.level}
              schema:
                openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
        """;
}

public sealed class Widget : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "test.mnemo.dev/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Widget";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public WidgetSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public WidgetStatus? Status { get; set; }
}

public sealed class WidgetSpec
{
    [JsonPropertyName("size")]
    public int Size { get; set; }

    [JsonPropertyName("color")]
    public string? Color { get; set; }
}

public sealed class WidgetStatus
{
    [JsonPropertyName("phase")]
    public string? Phase { get; set; }
}

public sealed class WidgetList : IKubernetesObject<V1ListMeta>, IItems<Widget>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "test.mnemo.dev/v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "WidgetList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<Widget> Items { get; set; } = [];
}
