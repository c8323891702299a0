using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Xunit;

namespace Mnemo.KubeApiServer.Tests;

/// <summary>Polls a condition until it holds or a deadline passes (instead of sleeping).</summary>
internal static class Eventually
{
    public static async Task<T> ValueAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? timeout = null) where T : class
    {
        DateTime deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }
            await Task.Delay(50);
        }
    }

    public static async Task TrueAsync(Func<Task<bool>> probe, string what, TimeSpan? timeout = null) =>
        await ValueAsync<object>(async () => await probe() ? new object() : null, what, timeout);
}

/// <summary>A temporary folder removed when disposed.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "mnemo-kube-api-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    public string File(string name, string content)
    {
        string path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that still held a file; the system cleans temp folders.
        }
    }
}

/// <summary>The machine's kubectl, run against one server with its own kubeconfig and discovery cache.</summary>
internal sealed class Kubectl(string kubeconfig, string cacheDir)
{
    public static string Program { get; } = Find();

    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string Output => Stdout + Stderr;
    }

    public async Task<Result> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<Result> RunWithInputAsync(string? stdin, params string[] args)
    {
        using Process process = Process.Start(StartInfo(args, stdin is not null))!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kubectl {string.Join(' ', args)} did not finish in 60 s");
        }
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running kubectl (get -w) whose output lines can be awaited; disposing kills it.</summary>
    public Streaming Start(params string[] args) => new(Process.Start(StartInfo(args, redirectInput: false))!);

    private ProcessStartInfo StartInfo(string[] args, bool redirectInput)
    {
        var start = new ProcessStartInfo(Program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            StandardOutputEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        start.Environment["KUBECONFIG"] = kubeconfig;
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(cacheDir);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }

    private static string Find()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = System.IO.Path.Combine(directory, "kubectl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("kubectl is not on PATH; these tests run the machine's real kubectl");
    }

    public sealed class Streaming : IDisposable
    {
        private readonly Process process;
        private readonly Channel<string> lines = Channel.CreateUnbounded<string>();
        private readonly StringBuilder seen = new();

        public Streaming(Process process)
        {
            this.process = process;
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lines.Writer.TryWrite(line);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is { } line)
                {
                    lines.Writer.TryWrite("stderr: " + line);
                }
            };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        /// <summary>Waits for the next output line that satisfies <paramref name="match"/>.</summary>
        public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan? timeout = null)
        {
            using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
            try
            {
                while (true)
                {
                    string line = await lines.Reader.ReadAsync(cancel.Token);
                    seen.AppendLine(line);
                    if (match(line))
                    {
                        return line;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no matching output line; kubectl printed:\n{seen}");
                throw;
            }
        }

        public void Dispose()
        {
            try
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
            process.Dispose();
        }
    }
}
