using System.Net;
using System.Net.Sockets;

namespace Mnemo.OrleansBench;

internal static class FreePorts
{
    /// <summary>
    /// <paramref name="count"/> distinct free loopback ports: every listener is held until all are
    /// chosen, so the OS cannot hand out the same port twice.
    /// </summary>
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            listeners.ForEach(l => l.Start());
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        }
        finally
        {
            listeners.ForEach(l => l.Stop());
        }
    }
}
