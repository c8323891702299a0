using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mnemo.DataPlane;

/// <summary>
/// One thread waiting on one epoll set and serving the connections registered there, the way a
/// memcached worker thread does: per ready connection one receive into its input pipe, the handler
/// run inline on this thread, its replies sent with one call when it flushes. Watches are
/// level-triggered, so a connection is never read until the socket says "would block" and a
/// request costs one receive and one send, with one epoll wait shared by every connection ready at once.
/// </summary>
internal sealed unsafe class EventLoop : IDisposable
{
    private const int Capacity = 256;
    // Data 0 is the wake-up eventfd; connections are numbered from 1.
    private const ulong WakeUp = 0;

    private readonly int _epoll;
    private readonly int _wakeUp;
    private readonly ConcurrentDictionary<ulong, EventLoopConnection> _connections = new();
    private readonly Thread _thread;
    private readonly ILogger _logger;
    private volatile bool _stopping;

    public EventLoop(string name, ILogger logger)
    {
        _logger = logger;
        _epoll = Epoll.Create();
        _wakeUp = Epoll.CreateEventFd();
        Epoll.Watch(_epoll, _wakeUp, Epoll.In, WakeUp, registered: false);
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public void Add(EventLoopConnection connection) => _connections[connection.Id] = connection;

    public void Remove(EventLoopConnection connection) => _connections.TryRemove(connection.Id, out _);

    /// <summary>Sets what <paramref name="connection"/> is watched for (0: nothing, its watch removed).</summary>
    public void Watch(EventLoopConnection connection, uint events, bool registered) =>
        Epoll.Watch(_epoll, connection.Fd, events, connection.Id, registered);

    private void Run()
    {
        byte* events = stackalloc byte[Capacity * 16];
        while (!_stopping)
        {
            int count = Epoll.Wait(_epoll, events, Capacity);
            for (int i = 0; i < count; i++)
            {
                (uint ready, ulong id) = Epoll.Read(events, i);
                if (id == WakeUp)
                {
                    Epoll.Drain(_wakeUp);
                }
                else if (_connections.TryGetValue(id, out EventLoopConnection? connection))
                {
                    try
                    {
                        connection.OnReady(ready);
                    }
                    catch (Exception e)
                    {
                        // One connection's failure must not stop the others on this thread.
                        _logger.LogError(e, "Connection {ConnectionId} failed on its event loop", connection.ConnectionId);
                        connection.Abort();
                    }
                }
            }
        }
    }

    public void Dispose()
    {
        _stopping = true;
        Epoll.Signal(_wakeUp);
        _thread.Join();
        Epoll.Close(_wakeUp);
        Epoll.Close(_epoll);
    }
}
