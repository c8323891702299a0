namespace Mnemo.Runtime;

/// <summary>On a grain interface method returning Task or ValueTask: the caller's task completes as
/// soon as the call is handed to the runtime, without waiting for the grain. Failures (including
/// delivery failures) are not reported to the caller. Use for notifications that may be lost.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class OneWayAttribute : Attribute;
