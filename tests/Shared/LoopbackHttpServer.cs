using System.Net;

namespace Mnemo.Tests.Shared;

/// <summary>An HTTP listener on a loopback prefix that hands each request, one after another, to a handler until it is disposed.</summary>
internal sealed class LoopbackHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public LoopbackHttpServer(string prefix, Func<HttpListenerContext, Task> handle)
    {
        _listener.Prefixes.Add(prefix);
        _listener.Start();
        _serving = Task.Run(() => ServeAsync(handle));
    }

    private async Task ServeAsync(Func<HttpListenerContext, Task> handle)
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            await handle(context);
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }
}
