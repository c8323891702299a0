using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

/// <summary>
/// The reference for a cluster snapshot: a redis-server (Debian's) on a loopback port holding the same items,
/// and how long its <c>BGSAVE</c> takes from the command to the RDB file written (polled through
/// <c>INFO persistence</c>), with the file's size.
/// </summary>
internal sealed class RedisReference : IAsyncDisposable
{
    private readonly Process _server;
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly StreamReader _reader;
    private readonly string _directory;

    private RedisReference(Process server, TcpClient tcp, string directory)
    {
        _server = server;
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new StreamReader(_stream, Encoding.ASCII);
        _directory = directory;
    }

    public static async Task<RedisReference> StartAsync(int port, string directory)
    {
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", directory, "--dbfilename", "bench.rdb" })
            start.ArgumentList.Add(arg);
        Process server = Process.Start(start) ?? throw new InvalidOperationException("cannot start redis-server (scripts/install-deps.sh installs it)");
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var tcp = new TcpClient { NoDelay = true };
            try
            {
                await tcp.ConnectAsync("127.0.0.1", port);
                return new RedisReference(server, tcp, directory);
            }
            catch (SocketException) when (watch.Elapsed < TimeSpan.FromSeconds(30) && !server.HasExited)
            {
                tcp.Dispose();
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Sets keys <c>key-%08d</c> in [<paramref name="from"/>, <paramref name="to"/>), pipelined, as the Mnemo load does.</summary>
    public async Task LoadAsync(int from, int to, string value)
    {
        const int Pipeline = 1000;
        for (int k = from; k < to; k += Pipeline)
        {
            int end = Math.Min(to, k + Pipeline);
            var batch = new StringBuilder();
            for (int i = k; i < end; i++)
                batch.Append(CultureInfo.InvariantCulture, $"*3\r\n$3\r\nSET\r\n$12\r\nkey-{i:D8}\r\n${value.Length}\r\n{value}\r\n");
            await _stream.WriteAsync(Encoding.ASCII.GetBytes(batch.ToString()));
            for (int i = k; i < end; i++)
            {
                string? reply = await _reader.ReadLineAsync();
                if (reply != "+OK")
                    throw new InvalidOperationException($"redis SET: {reply}");
            }
        }
    }

    /// <summary>Runs BGSAVE and waits until it finished: its time and the RDB file's bytes.</summary>
    public async Task<(double Milliseconds, long Bytes)> BgsaveAsync()
    {
        var clock = Stopwatch.StartNew();
        string reply = await CommandAsync("BGSAVE");
        if (!reply.StartsWith("+Background saving started", StringComparison.Ordinal))
            throw new InvalidOperationException($"redis BGSAVE: {reply}");
        while (true)
        {
            string info = await CommandAsync("INFO persistence");
            if (info.Contains("rdb_bgsave_in_progress:0", StringComparison.Ordinal))
            {
                double milliseconds = clock.Elapsed.TotalMilliseconds;
                if (!info.Contains("rdb_last_bgsave_status:ok", StringComparison.Ordinal))
                    throw new InvalidOperationException($"redis BGSAVE failed: {info}");
                return (milliseconds, new FileInfo(Path.Combine(_directory, "bench.rdb")).Length);
            }
            await Task.Delay(1);
        }
    }

    /// <summary>Sends one command; a status reply is returned as it is, a bulk reply as its text.</summary>
    private async Task<string> CommandAsync(string command)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(command + "\r\n"));
        string line = await _reader.ReadLineAsync() ?? throw new IOException("redis closed the connection");
        if (!line.StartsWith('$'))
            return line;
        var text = new char[int.Parse(line[1..], CultureInfo.InvariantCulture)];
        await _reader.ReadBlockAsync(text);
        await _reader.ReadLineAsync();
        return new string(text);
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        if (!_server.HasExited)
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }
        _server.Dispose();
    }
}
