using System.Diagnostics;
using System.Text.Json;

/// <summary>
/// Export and import of a cluster snapshot with the <c>mnemo</c> CLI as a user runs it (the program is built
/// beside this one), and in the same run the baseline: a plain write of the same number of bytes to a new
/// file in the same directory, with an fsync, as the export ends with.
/// </summary>
internal sealed class TransferBench(string kubeconfig, string clusterId, string directory)
{
    private static readonly string Cli = Path.Combine("Client", "Cli", "bin", "Release", "net10.0", "mnemo");

    /// <summary>Takes snapshot <paramref name="snapshot"/> of <paramref name="memshack"/>, exports it, imports the file into <paramref name="importInto"/> and deletes the snapshot.</summary>
    public async Task<TransferFigures> RunAsync(string snapshot, string memshack, string importInto)
    {
        await MnemoAsync("clustersnap", "create", snapshot, "--memshack", memshack, "--timeout", "600");
        string file = Path.Combine(directory, snapshot + ".csnap");
        using JsonDocument exported = JsonDocument.Parse(await MnemoAsync("clustersnap", "export", snapshot, "--file", file, "-o", "json"));
        long bytes = exported.RootElement.GetProperty("bytes").GetInt64();
        double exportSeconds = exported.RootElement.GetProperty("seconds").GetDouble();
        double writeSeconds = PlainWriteSeconds(bytes);
        using JsonDocument imported = JsonDocument.Parse(await MnemoAsync("clustersnap", "import", "--file", file, "--memshack", importInto, "-o", "json"));
        double importSeconds = imported.RootElement.GetProperty("seconds").GetDouble();
        long written = imported.RootElement.GetProperty("written").GetInt64();
        await MnemoAsync("clustersnap", "delete", snapshot, "--timeout", "600");
        File.Delete(file);
        return new TransferFigures(exported.RootElement.GetProperty("items").GetInt64(), written, bytes, exportSeconds, importSeconds, writeSeconds);
    }

    private double PlainWriteSeconds(long bytes)
    {
        string path = Path.Combine(directory, "plain-write");
        var buffer = new byte[4 << 20];
        Array.Fill(buffer, (byte)1);
        var clock = Stopwatch.StartNew();
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.None))
        {
            for (long left = bytes; left > 0; left -= buffer.Length)
                file.Write(buffer, 0, (int)Math.Min(buffer.Length, left));
            file.Flush(flushToDisk: true);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        File.Delete(path);
        return seconds;
    }

    private async Task<string> MnemoAsync(params string[] args)
    {
        var start = new ProcessStartInfo(Cli) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args.Concat(["--kubeconfig", kubeconfig, "--namespace", "default", "--cluster-id", clusterId]))
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Cli}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"mnemo {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}");
        return await stdout;
    }
}

internal sealed record TransferFigures(long Items, long Written, long Bytes, double ExportSeconds, double ImportSeconds, double PlainWriteSeconds)
{
    public double ExportMegabytesPerSecond => Bytes / 1e6 / ExportSeconds;

    public double ImportMegabytesPerSecond => Bytes / 1e6 / ImportSeconds;

    public double PlainWriteMegabytesPerSecond => Bytes / 1e6 / PlainWriteSeconds;
}
