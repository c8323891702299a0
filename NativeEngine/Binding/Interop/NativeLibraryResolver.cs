using System.Reflection;
using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

/// <summary>
/// Finds libmnemo_engine.so: in <c>MNEMO_NATIVE_DIR</c> when set, then next to this assembly (where
/// the build copies it), then wherever the runtime's default probing looks.
/// </summary>
internal static class NativeLibraryResolver
{
    internal const string DirectoryVariable = "MNEMO_NATIVE_DIR";
    internal const string FileName = "libmnemo_engine.so";

    private static int s_registered;

    internal static void Register(Assembly assembly)
    {
        if (Interlocked.Exchange(ref s_registered, 1) == 0)
        {
            NativeLibrary.SetDllImportResolver(assembly, Resolve);
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != NativeMethods.LibraryName)
        {
            return 0;
        }

        var candidates = CandidatePaths(assembly);
        foreach (string candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                // Load (not TryLoad) so a present but broken library reports its own loader error.
                return NativeLibrary.Load(candidate);
            }
        }

        if (NativeLibrary.TryLoad(libraryName, assembly, searchPath, out nint handle))
        {
            return handle;
        }

        throw new DllNotFoundException(
            $"{FileName} was not found (looked in: {string.Join(", ", candidates)} and the default library path). " +
            $"Build the engine with cmake into build/native, or set {DirectoryVariable} to the folder holding {FileName}.");
    }

    private static List<string> CandidatePaths(Assembly assembly)
    {
        var paths = new List<string>(2);
        string? configured = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            paths.Add(Path.Combine(configured, FileName));
        }

        string? assemblyDirectory = Path.GetDirectoryName(assembly.Location);
        paths.Add(Path.Combine(string.IsNullOrEmpty(assemblyDirectory) ? AppContext.BaseDirectory : assemblyDirectory, FileName));
        return paths;
    }
}
