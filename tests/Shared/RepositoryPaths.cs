namespace Mnemo.Tests.Shared;

/// <summary>Folders of the repository, found from the test binaries by walking up to the solution, so
/// no machine path is written down. Shared by the test projects (linked into each).</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Mnemo's CRDs: the files a real cluster gets.</summary>
    public static string Crds => Path.Combine(Root, "k8s", "crds");

    /// <summary>The build configuration these tests were built in (Release or Debug), read from their output path.</summary>
    public static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"no Orleans.sln above {AppContext.BaseDirectory}");
    }
}
