namespace Mnemo.OrleansBench;

/// <summary>
/// Where the run's engine pools live: /dev/shm when writable (DRAM, as the other benchmarks), else the
/// temp directory. Removed, with the pools, when disposed.
/// </summary>
internal sealed class ScratchFolder : IDisposable
{
    private ScratchFolder(string path) => Path = path;

    public string Path { get; }

    public static ScratchFolder Create()
    {
        string name = $"mnemo-orleans-bench-{Environment.ProcessId}";
        if (Directory.Exists("/dev/shm"))
        {
            try
            {
                return new ScratchFolder(Directory.CreateDirectory(System.IO.Path.Combine("/dev/shm", name)).FullName);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not writable here (a read-only container mount): fall back to the temp directory.
            }
        }
        return new ScratchFolder(Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), name)).FullName);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"orleans-bench: could not remove {Path}: {e.Message}");
        }
    }
}
