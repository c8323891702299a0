namespace Mnemo.SnapshotFiles;

/// <summary>No replica of a shard could export it: the export fails and leaves no file.</summary>
public sealed class ExportFailedException(string message) : Exception(message);
