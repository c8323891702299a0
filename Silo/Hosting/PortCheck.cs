using System.Net;
using System.Net.Sockets;

namespace Mnemo.Silo;

/// <summary>
/// Finds taken ports before anything listens, so that a silo whose port is in use says which one
/// and for what, and stops, instead of failing deep inside Orleans or Kestrel. On Linux two
/// processes can even share an Orleans port (SO_REUSEPORT), which this check also refuses.
/// </summary>
public static class PortCheck
{
    /// <summary>Throws <see cref="PortInUseException"/> naming every port of <paramref name="ports"/> that cannot be bound.</summary>
    public static void EnsureFree(IPAddress address, IEnumerable<(int Port, string Purpose)> ports)
    {
        var taken = new List<string>();
        foreach (var (port, purpose) in ports)
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                taken.Add($"{address}:{port} ({purpose})");
            }
        }
        if (taken.Count > 0)
            throw new PortInUseException($"{(taken.Count == 1 ? "port" : "ports")} already in use: {string.Join(", ", taken)}; stop what holds {(taken.Count == 1 ? "it" : "them")} or choose other ports");
    }
}

public sealed class PortInUseException(string message) : Exception(message);
