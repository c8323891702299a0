namespace Mnemo.Kubernetes.Tests;

/// <summary>Finds the repository from the test assembly, so no machine path is written down.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The CRD folder the embedded server loads: the same files a real cluster gets.</summary>
    public static string CrdFolder => Path.Combine(Root, "k8s", "crds");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Orleans.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException($"No folder with Orleans.sln above {AppContext.BaseDirectory}.");
    }
}
