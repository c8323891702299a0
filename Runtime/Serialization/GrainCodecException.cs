namespace Mnemo.Runtime.Serialization;

/// <summary>A value could not be encoded, or received bytes could not be decoded.</summary>
public sealed class GrainCodecException(string message, Exception? inner = null) : GrainCallException(message, inner);
