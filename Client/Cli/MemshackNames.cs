namespace Mnemo.Cli;

internal static class MemshackNames
{
    /// <summary><c>namespace/name</c> of a Memshack argument: as given when it has a namespace, else in <c>--namespace</c> (default: default).</summary>
    public static string Qualify(string name, string? ns) => name.Contains('/', StringComparison.Ordinal) ? name : $"{ns ?? "default"}/{name}";
}
