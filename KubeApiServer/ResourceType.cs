using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.KubeApiServer;

/// <summary>
/// One served group/version/resource: what discovery lists, what the handlers need to store and
/// answer it, and how <c>kubectl get</c> shows it. Built-in kinds and CustomResourceDefinitions
/// both become these, so every kind takes the same code path.
/// </summary>
internal sealed record ResourceType
{
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required string Kind { get; init; }

    public required string ListKind { get; init; }

    public required string Plural { get; init; }

    public required string Singular { get; init; }

    public required bool Namespaced { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>Has a <c>/status</c> subresource: writes to the main resource keep the stored status, and status changes don't bump generation.</summary>
    public bool HasStatus { get; init; }

    /// <summary>Served for a CustomResourceDefinition: no strategic merge patch.</summary>
    public bool IsCustom { get; init; }

    /// <summary>A delete that removed the object answers with it rather than with a Success Status (custom kinds, Namespaces, Services, Pods).</summary>
    public bool ReturnsDeletedObject { get; init; }

    /// <summary>The version's <c>openAPIV3Schema</c> (custom kinds): what writes are pruned to, defaulted from and validated against.</summary>
    public JsonElement? Schema { get; init; }

    /// <summary>The table columns after Name.</summary>
    public IReadOnlyList<PrinterColumn> Columns { get; init; } = [];

    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The storage key of the kind: the same for all its versions, as in etcd.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}

/// <summary>A table column: its definition as the Table API shows it, and how to compute a cell from an object.</summary>
internal sealed record PrinterColumn(string Name, string Type, string Format, string Description, int Priority, Func<JsonElement, JsonNode?> Cell);
