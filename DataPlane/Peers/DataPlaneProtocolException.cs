namespace Mnemo.DataPlane;

/// <summary>A frame broke the data-plane protocol; the connection that carried it is closed.</summary>
public sealed class DataPlaneProtocolException(string message) : Exception(message);
