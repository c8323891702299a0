namespace Mnemo.Runtime;

/// <summary>On a grain class: every request may interleave with every other at await points.
/// The activation still runs one piece of code at a time.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class ReentrantAttribute : Attribute;
