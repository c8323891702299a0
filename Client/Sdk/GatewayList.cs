using System.Globalization;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Client;

/// <summary>The gateways a client may use. Calls stick to the current gateway; when one fails it
/// is avoided for a while and the next live one takes over.</summary>
internal sealed class GatewayList
{
    private readonly SiloAddress[] _gateways;
    private readonly long[] _downUntilTicks;
    private readonly TimeSpan _retryDelay;
    private readonly TimeProvider _time;
    private int _current;

    public GatewayList(IEnumerable<string> endpoints, TimeSpan retryDelay, TimeProvider? time = null)
    {
        _gateways = endpoints.Select(Parse).DistinctBy(g => g.Endpoint).ToArray();
        if (_gateways.Length == 0)
            throw new ArgumentException("at least one gateway endpoint (host:port) is needed");
        _downUntilTicks = new long[_gateways.Length];
        _retryDelay = retryDelay;
        _time = time ?? TimeProvider.System;
    }

    public IReadOnlyList<SiloAddress> All => _gateways;

    /// <summary>The current gateway if it is not marked down, else the next one that is not; when
    /// every gateway is marked down, the one whose mark expires first.</summary>
    public SiloAddress Select()
    {
        var now = _time.GetUtcNow().UtcTicks;
        var start = Volatile.Read(ref _current);
        for (var i = 0; i < _gateways.Length; i++)
        {
            var index = (start + i) % _gateways.Length;
            if (Volatile.Read(ref _downUntilTicks[index]) <= now)
            {
                if (index != start)
                    Interlocked.CompareExchange(ref _current, index, start);
                return _gateways[index];
            }
        }
        var soonest = Enumerable.Range(0, _gateways.Length).MinBy(i => Volatile.Read(ref _downUntilTicks[i]));
        return _gateways[soonest];
    }

    public void MarkDown(SiloAddress gateway)
    {
        var index = Array.FindIndex(_gateways, g => g.Endpoint == gateway.Endpoint);
        if (index >= 0)
            Volatile.Write(ref _downUntilTicks[index], (_time.GetUtcNow() + _retryDelay).UtcTicks);
    }

    public void MarkUp(SiloAddress gateway)
    {
        var index = Array.FindIndex(_gateways, g => g.Endpoint == gateway.Endpoint);
        if (index >= 0)
            Volatile.Write(ref _downUntilTicks[index], 0);
    }

    private static SiloAddress Parse(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is <= 0 or >= 65536)
            throw new ArgumentException($"invalid gateway '{endpoint}': expected host:port");
        return new SiloAddress(endpoint[..colon], port, 0, "gateway");
    }
}
