namespace Mnemo.Runtime;

/// <summary>On a grain interface method: calls to it are admitted even while the activation is busy
/// with other requests (for example a status query or a cancel signal).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;
