using System.Net;

namespace Mnemo.DataPlane;

/// <summary>
/// One connection's counters and identity. Only that connection's request loop writes them (one
/// request at a time), so plain increments suffice; <see cref="GatewayStats"/> reads them for reports,
/// where a value one request old is fine.
/// </summary>
internal sealed class ConnectionCounters
{
    private readonly long[] _values;
    private long _lastCommandTicks;

    public ConnectionCounters(int count, long id, EndPoint? local, EndPoint? remote)
    {
        _values = new long[count];
        Id = id;
        Local = local;
        Remote = remote;
        _lastCommandTicks = Environment.TickCount64;
    }

    /// <summary>The connection's number in <c>stats conns</c> (memcached shows its file descriptor there).</summary>
    public long Id { get; }

    /// <summary>The gateway address the client connected to, when the listener told it.</summary>
    public EndPoint? Local { get; }

    /// <summary>The client's address, when the listener told it.</summary>
    public EndPoint? Remote { get; }

    /// <summary>When the last read that completed commands was served (<see cref="Environment.TickCount64"/>), or the connection opened.</summary>
    public long LastCommandTicks => Volatile.Read(ref _lastCommandTicks);

    public void Increment(Counter counter) => _values[(int)counter]++;

    public void Add(Counter counter, long amount) => _values[(int)counter] += amount;

    /// <summary>Marks now as the time of the last command (memcached's secs_since_last_cmd).</summary>
    public void MarkCommandTime() => _lastCommandTicks = Environment.TickCount64;

    public long Read(int index) => Volatile.Read(ref _values[index]);
}
