namespace Mnemo.DataPlane;

/// <summary>What one <see cref="IProtocolSession.ProcessAsync"/> call did: its outcome and how many input bytes it consumed.</summary>
internal readonly record struct ProcessStep(ProcessResult Result, long Consumed);
