namespace Mnemo.Client;

/// <summary>A silo as a gateway sees it. <see cref="ActivationCount"/> is exact for the answering
/// gateway and as of the last membership probe (about a second old) for the others.</summary>
public sealed record ClusterMember(string NodeName, string Endpoint, string Status, long Generation, int ActivationCount, DateTimeOffset Since);
