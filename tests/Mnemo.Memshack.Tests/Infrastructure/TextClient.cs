using System.Net.Sockets;
using System.Text;

namespace Mnemo.Memshack.Tests;

/// <summary>
/// A raw memcached connection for tests. <see cref="CallAsync"/> sends a request followed by
/// <c>version</c> and returns everything before the <c>VERSION</c> line: exactly the request's reply
/// (empty under noreply), without knowing its shape in advance.
/// </summary>
public sealed class TextClient : IDisposable
{
    private static readonly byte[] Sentinel = "version\r\n"u8.ToArray();
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];

    private TextClient(TcpClient client)
    {
        _client = client;
        _client.NoDelay = true;
        _stream = client.GetStream();
    }

    public static async Task<TextClient> ConnectAsync(int port)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        return new TextClient(client);
    }

    public async Task<string> CallAsync(string request) => Encoding.Latin1.GetString(await CallAsync(Encoding.Latin1.GetBytes(request)));

    public async Task<byte[]> CallAsync(byte[] request)
    {
        await _stream.WriteAsync(request.Concat(Sentinel).ToArray());
        using var cts = new CancellationTokenSource(Timeout);
        var buffer = new byte[64 * 1024];
        int sentinelStart;
        while ((sentinelStart = VersionLineStart(_pending)) < 0)
        {
            int read = await _stream.ReadAsync(buffer, cts.Token);
            if (read == 0)
            {
                throw new IOException("Connection closed; received: " + Encoding.Latin1.GetString(_pending.ToArray()));
            }
            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
        byte[] reply = _pending.Take(sentinelStart).ToArray();
        _pending.Clear();
        return reply;
    }

    public Task SendAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Reads until <paramref name="expected"/> bytes arrived or the peer closed; returns what came.</summary>
    public async Task<byte[]> ReceiveAsync(int expected, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (_pending.Count < expected)
            {
                int read = await _stream.ReadAsync(buffer, cts.Token);
                if (read == 0)
                {
                    break;
                }
                _pending.AddRange(buffer.AsSpan(0, read).ToArray());
            }
        }
        catch (OperationCanceledException)
        {
        }
        byte[] received = _pending.ToArray();
        _pending.Clear();
        return received;
    }

    /// <summary>True once the server has closed the connection (read returns 0), polled until <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                int read = await _stream.ReadAsync(buffer, cts.Token);
                if (read == 0)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Where the final "VERSION ...\r\n" line starts, or -1 while it is incomplete.</summary>
    private static int VersionLineStart(List<byte> data)
    {
        int count = data.Count;
        if (count < 2 || data[count - 1] != (byte)'\n' || data[count - 2] != (byte)'\r')
        {
            return -1;
        }
        int start = count - 2;
        while (start > 0 && data[start - 1] != (byte)'\n')
        {
            start--;
        }
        ReadOnlySpan<byte> prefix = "VERSION "u8;
        if (count - start < prefix.Length)
        {
            return -1;
        }
        for (int i = 0; i < prefix.Length; i++)
        {
            if (data[start + i] != prefix[i])
            {
                return -1;
            }
        }
        return start;
    }

    public void Dispose() => _client.Dispose();
}
