namespace Mnemo.Silo.Gateways.Memcached;

/// <summary>
/// One connection's counters. Only that connection's request loop writes them (one request at a
/// time), so plain increments suffice; <see cref="GatewayStats"/> reads them for reports, where a
/// value one request old is fine.
/// </summary>
internal sealed class ConnectionCounters
{
    private readonly long[] _values;

    public ConnectionCounters(int count)
    {
        _values = new long[count];
    }

    public void Increment(Counter counter) => _values[(int)counter]++;

    public void Add(Counter counter, long amount) => _values[(int)counter] += amount;

    public long Read(int index) => Volatile.Read(ref _values[index]);
}
