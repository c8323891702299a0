namespace Mnemo.Client;

/// <summary>No gateway of the cluster answered.</summary>
public sealed class ClusterUnreachableException(string message, Exception? inner = null) : Exception(message, inner);
