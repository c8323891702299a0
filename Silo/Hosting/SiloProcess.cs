using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Mnemo.Silo;

/// <summary>A silo running as a child process of this program (the dev cluster, tests and
/// benchmarks use it). Output lines go to <paramref name="output"/> prefixed with the node name.</summary>
public sealed partial class SiloProcess : IDisposable
{
    private readonly Process _process;

    private SiloProcess(SiloSettings settings, Process process)
    {
        Settings = settings;
        _process = process;
    }

    public SiloSettings Settings { get; }

    private static readonly string[] DownwardApi = ["NODE_NAME", "POD_NAME", "POD_IP", "POD_NAMESPACE"];

    public bool HasExited => _process.HasExited;

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => _process.WaitForExitAsync(cancellationToken);

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>mnemo-silo</c> with <paramref name="options"/>. <paramref name="siloAssembly"/>
    /// is the path of mnemo-silo.dll; by default the one this code was loaded from.</summary>
    public static SiloProcess Start(SiloSettings options, Action<string> output, string? siloAssembly = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(siloAssembly ?? typeof(SiloProcess).Assembly.Location);
        foreach (var argument in options.ToArguments())
            info.ArgumentList.Add(argument);
        // Settings come from the arguments (and the console token, kept off the command line), not from the parent's MNEMO_* or downward-API environment.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith(SiloSettings.EnvironmentPrefix, StringComparison.Ordinal) || DownwardApi.Contains(k)).ToList())
            info.Environment.Remove(key);
        if (options.ConsoleToken is not null)
            info.Environment[SiloSettings.EnvironmentPrefix + "CONSOLE_TOKEN"] = options.ConsoleToken;

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var prefix = $"[{options.NodeName}] ";
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output(prefix + e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) output(prefix + e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SiloProcess(options, process);
    }

    /// <summary>Polls <c>/readyz</c> until the silo has joined; fails early when the process exits.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var url = $"http://{Settings.Host}:{Settings.HealthPort}/readyz";
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"silo {Settings.NodeName} exited with code {_process.ExitCode} before it was ready");
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                    return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"silo {Settings.NodeName} was not ready at {url} within {timeout}");
            await Task.Delay(100);
        }
    }

    /// <summary>kill -9: no graceful shutdown, peers must detect the death.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill();
    }

    /// <summary>SIGTERM (graceful shutdown), then SIGKILL if the silo has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
            return;
        SendSigterm(_process.Id);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    // A failure means the process has exited meanwhile (ESRCH); the wait that follows sees that.
    private static void SendSigterm(int pid)
    {
        const int sigterm = 15;
        _ = Kill(pid, sigterm);
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
