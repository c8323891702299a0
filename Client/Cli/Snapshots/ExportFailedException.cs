namespace Mnemo.Cli;

/// <summary>No replica of a shard could export it: the export fails and leaves no file.</summary>
internal sealed class ExportFailedException(string message) : Exception(message);
