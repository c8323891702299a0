namespace Mnemo.NativeEngine.Tests;

/// <summary>Locates files of the source tree from the test's output folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string NativeIncludeDirectory => Path.Combine(Root, "NativeEngine", "include");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NativeEngine", "include", "mnemo_engine.h")))
            {
                return directory.FullName;
            }
        }
        throw new DirectoryNotFoundException($"No source tree containing NativeEngine/include/mnemo_engine.h above {AppContext.BaseDirectory}");
    }
}
