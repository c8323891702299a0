using System.Diagnostics;

namespace Mnemo.NativeEngine.Tests;

/// <summary>
/// Runs mnemo-pool as its own process from a folder without libmnemo_engine.so, to check how the
/// binding finds the library: a clear error when it is nowhere, and MNEMO_NATIVE_DIR when set.
/// </summary>
public sealed class PoolToolProcessTests : IDisposable
{
    private static readonly string[] ToolFiles =
    [
        "mnemo-pool.dll", "mnemo-pool.deps.json", "mnemo-pool.runtimeconfig.json",
        "Mnemo.NativeEngine.dll", "Spectre.Console.dll", "System.CommandLine.dll",
    ];

    private readonly TempPool _scratch = new();
    private readonly string _toolFolder;

    public PoolToolProcessTests()
    {
        _toolFolder = Directory.CreateDirectory(Path.Combine(_scratch.Folder, "tool")).FullName;
        foreach (string file in ToolFiles)
        {
            File.Copy(Path.Combine(AppContext.BaseDirectory, file), Path.Combine(_toolFolder, file));
        }
    }

    public void Dispose() => _scratch.Dispose();

    [Fact]
    public async Task Without_the_library_the_tool_says_where_it_looked_and_how_to_fix_it()
    {
        var (exitCode, _, error) = await RunTool(nativeDirectory: null, "info", "--path", _scratch.PoolPath, "--create");

        Assert.Equal(1, exitCode);
        Assert.Contains("libmnemo_engine.so was not found", error);
        Assert.Contains(_toolFolder, error);
        Assert.Contains("MNEMO_NATIVE_DIR", error);
    }

    [Fact]
    public async Task MNEMO_NATIVE_DIR_points_the_binding_at_the_library()
    {
        var (exitCode, output, error) = await RunTool(AppContext.BaseDirectory, "info", "--path", _scratch.PoolPath, "--create", "-o", "json");

        Assert.True(exitCode == 0, error);
        Assert.Contains("\"capacity\": 268435456", output);
    }

    private async Task<(int ExitCode, string Output, string Error)> RunTool(string? nativeDirectory, params string[] args)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _toolFolder,
        };
        start.ArgumentList.Add(Path.Combine(_toolFolder, "mnemo-pool.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Remove("MNEMO_NATIVE_DIR");
        if (nativeDirectory is not null)
        {
            start.Environment["MNEMO_NATIVE_DIR"] = nativeDirectory;
        }
        // The runtime's default search would find the library through these; the test wants the binding's own lookup.
        start.Environment.Remove("LD_LIBRARY_PATH");

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await output, await error);
    }
}
