using System.Net.Sockets;
using System.Text;

namespace Mnemo.Cluster.Tests;

/// <summary>A minimal memcached text-protocol client for the cluster tests: one connection, one command at a time.</summary>
public sealed class MemcachedTextClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    private MemcachedTextClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _stream.ReadTimeout = 30_000;
    }

    public static async Task<MemcachedTextClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        return new MemcachedTextClient(tcp);
    }

    /// <summary>Sends <c>set</c> and returns the reply line (STORED, SERVER_ERROR ..., ...).</summary>
    public async Task<string> SetAsync(string key, string value)
    {
        await SendAsync($"set {key} 0 0 {Encoding.UTF8.GetByteCount(value)}\r\n{value}\r\n");
        return await ReadLineAsync();
    }

    /// <summary>The value of <paramref name="key"/>, or null on a miss; throws on an error reply.</summary>
    public async Task<string?> GetAsync(string key)
    {
        await SendAsync($"get {key}\r\n");
        string line = await ReadLineAsync();
        if (line == "END")
            return null;
        if (!line.StartsWith("VALUE ", StringComparison.Ordinal))
            throw new InvalidOperationException($"get {key} answered '{line}'");
        int length = int.Parse(line.Split(' ')[3]);
        string value = Encoding.UTF8.GetString(await ReadBytesAsync(length + 2), 0, length);
        string end = await ReadLineAsync();
        if (end != "END")
            throw new InvalidOperationException($"get {key} ended with '{end}'");
        return value;
    }

    /// <summary><c>gets</c>: the value and CAS unique of <paramref name="key"/>, or null on a miss; throws on an error reply.</summary>
    public async Task<(string Value, ulong Cas)?> GetsAsync(string key)
    {
        await SendAsync($"gets {key}\r\n");
        string line = await ReadLineAsync();
        if (line == "END")
            return null;
        string[] header = line.Split(' ');
        if (header.Length != 5 || header[0] != "VALUE")
            throw new InvalidOperationException($"gets {key} answered '{line}'");
        int length = int.Parse(header[3]);
        string value = Encoding.UTF8.GetString(await ReadBytesAsync(length + 2), 0, length);
        string end = await ReadLineAsync();
        if (end != "END")
            throw new InvalidOperationException($"gets {key} ended with '{end}'");
        return (value, ulong.Parse(header[4]));
    }

    /// <summary>Sends <c>cas</c> and returns the reply line (STORED, EXISTS, NOT_FOUND, ...).</summary>
    public async Task<string> CasAsync(string key, string value, ulong cas)
    {
        await SendAsync($"cas {key} 0 0 {Encoding.UTF8.GetByteCount(value)} {cas}\r\n{value}\r\n");
        return await ReadLineAsync();
    }

    /// <summary><c>get __mcrouter__.route(get,key)</c>: the key's shard and the names of its replicas.</summary>
    public async Task<(int Shard, string[] Replicas)> RouteAsync(string key)
    {
        string? route = await GetAsync($"__mcrouter__.route(get,{key})") ?? throw new InvalidOperationException("no route answer");
        string[] lines = route.Split("\r\n");
        return (int.Parse(lines[0]), lines[1..]);
    }

    /// <summary><c>stats</c>: every STAT line, by name.</summary>
    public async Task<Dictionary<string, string>> StatsAsync()
    {
        await SendAsync("stats\r\n");
        var stats = new Dictionary<string, string>(StringComparer.Ordinal);
        for (string line = await ReadLineAsync(); line != "END"; line = await ReadLineAsync())
        {
            string[] parts = line.Split(' ', 3);
            if (parts.Length != 3 || parts[0] != "STAT")
                throw new InvalidOperationException($"stats answered '{line}'");
            stats[parts[1]] = parts[2];
        }
        return stats;
    }

    public async Task<string> CommandAsync(string command)
    {
        await SendAsync(command + "\r\n");
        return await ReadLineAsync();
    }

    private async Task SendAsync(string text) => await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));

    private async Task<string> ReadLineAsync()
    {
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                string line = Encoding.UTF8.GetString(_buffer, _start, newline - _start).TrimEnd('\r');
                _start = newline + 1;
                return line;
            }
            await FillAsync();
        }
    }

    private async Task<byte[]> ReadBytesAsync(int count)
    {
        while (_end - _start < count)
            await FillAsync();
        byte[] bytes = _buffer.AsSpan(_start, count).ToArray();
        _start += count;
        return bytes;
    }

    private async Task FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int read = await _stream.ReadAsync(_buffer.AsMemory(_end), timeout.Token);
        if (read == 0)
            throw new IOException("the gateway closed the connection");
        _end += read;
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
