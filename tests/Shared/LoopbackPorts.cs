using System.Net;
using System.Net.Sockets;

namespace Mnemo.Tests.Shared;

/// <summary>Free loopback ports for servers the tests and benchmarks start. Linked into each project
/// that needs it.</summary>
internal static class LoopbackPorts
{
    /// <summary>A base port with the next <paramref name="count"/> - 1 ports free too: Memshack gateways
    /// listen on base + node index.</summary>
    public static int FreeRange(int count)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int basePort = Random.Shared.Next(20_000, 30_000);
            var listeners = new List<TcpListener>();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    var listener = new TcpListener(IPAddress.Loopback, basePort + i);
                    listener.Start();
                    listeners.Add(listener);
                }
                return basePort;
            }
            catch (SocketException)
            {
                // Taken; try another range.
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }
        throw new InvalidOperationException($"no free range of {count} loopback ports found");
    }
}
