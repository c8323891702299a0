namespace Mnemo.Grains.Tests;

/// <summary>A folder for a cluster's pools: in DRAM under /dev/shm when it is writable, else in the temp dir; deleted on dispose.</summary>
internal sealed class ScratchFolder : IDisposable
{
    private const string Shm = "/dev/shm";

    public ScratchFolder()
    {
        string root = IsWritable(Shm) ? Shm : System.IO.Path.GetTempPath();
        Path = Directory.CreateDirectory(System.IO.Path.Combine(root, $"mnemo-grains-tests-{Guid.NewGuid():N}")).FullName;
    }

    public string Path { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static bool IsWritable(string directory)
    {
        if (!Directory.Exists(directory))
            return false;
        try
        {
            string probe = System.IO.Path.Combine(directory, $".mnemo-grains-tests-probe-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
