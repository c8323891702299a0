namespace Mnemo.SnapshotFiles;

/// <summary>A cluster snapshot file that is not one, or is damaged or cut short: refused before anything is imported.</summary>
public sealed class SnapshotFileException(string message) : Exception(message);
