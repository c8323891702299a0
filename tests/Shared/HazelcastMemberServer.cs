using System.Net;
using System.Text;

namespace Mnemo.Tests.Shared;

/// <summary>
/// A Hazelcast member's REST API on loopback, as Hazelcast 5 documents and answers it: <c>GET /hazelcast/health</c>
/// (endpoint group HEALTH_CHECK) reports the cluster state; <c>POST /hazelcast/rest/management/cluster/changeState</c>
/// (group CLUSTER_WRITE) takes the form body <c>clusterName&amp;password&amp;state</c>, answers
/// <c>{"status":"success","state":"passive"}</c>, <c>{"status":"fail","state":...}</c> when the cluster is in that
/// state already, 403 <c>{"status":"fail","message":"unauthenticated"}</c> for another cluster name, and a disabled
/// group answers 403 with no body. Keeps the state and records every call. Linked into each project that needs it.
/// </summary>
internal sealed class HazelcastMemberServer : IDisposable
{
    private readonly LoopbackHttpServer _server;
    private readonly List<string> _calls = [];

    public HazelcastMemberServer(string clusterName = "dev")
    {
        ClusterName = clusterName;
        Port = LoopbackPorts.FreeRange(1);
        // Each request on its own task: a delayed answer holds up no other call.
        _server = new LoopbackHttpServer($"http://127.0.0.1:{Port}/", context =>
        {
            _ = Task.Run(() => HandleAsync(context));
            return Task.CompletedTask;
        });
    }

    public int Port { get; }

    /// <summary>The member as <c>--address</c> takes it.</summary>
    public string Address => $"127.0.0.1:{Port}";

    public string ClusterName { get; }

    /// <summary>ACTIVE, PASSIVE, FROZEN or NO_MIGRATION.</summary>
    public string State { get; set; } = "ACTIVE";

    public bool HealthCheckEnabled { get; set; } = true;

    public bool ClusterWriteEnabled { get; set; } = true;

    /// <summary>Answers 404 to everything, as an HTTP server that is no Hazelcast member (or one with its REST API off behind a proxy).</summary>
    public bool NotHazelcast { get; set; }

    /// <summary>How long a state change waits before it answers (after it is made).</summary>
    public TimeSpan ChangeStateAnswerDelay { get; set; }

    /// <summary>Runs on every accepted state change, before the member answers (the state is changed by then).</summary>
    public Func<string, Task>? OnStateChanged { get; set; }

    /// <summary>Every call: <c>GET /hazelcast/health</c>, or <c>changeState STATE</c> for a change it made.</summary>
    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (_calls)
                return [.. _calls];
        }
    }

    /// <summary>The state changes made, in order.</summary>
    public IReadOnlyList<string> Changes => [.. Calls.Where(c => c.StartsWith("changeState ", StringComparison.Ordinal)).Select(c => c["changeState ".Length..])];

    private async Task HandleAsync(HttpListenerContext context)
    {
        try
        {
            (int status, string body) = await AnswerAsync(context.Request);
            context.Response.StatusCode = status;
            if (body.Length > 0)
            {
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(body));
            }
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // The caller gave up waiting (a timeout under test) or the server stopped.
        }
    }

    private async Task<(int Status, string Body)> AnswerAsync(HttpListenerRequest request)
    {
        string path = request.Url!.AbsolutePath;
        if (NotHazelcast)
            return (404, "");
        if (request.HttpMethod == "GET" && path == "/hazelcast/health")
        {
            if (!HealthCheckEnabled)
                return (403, "");
            Record($"GET {path}");
            return (200, $$"""{"nodeState":"ACTIVE","clusterState":"{{State}}","clusterSafe":true,"migrationQueueSize":0,"clusterSize":3}""");
        }
        if (request.HttpMethod == "POST" && path == "/hazelcast/rest/management/cluster/changeState")
        {
            if (!ClusterWriteEnabled)
                return (403, "");
            using var reader = new StreamReader(request.InputStream, Encoding.UTF8);
            string[] parameters = (await reader.ReadToEndAsync()).Split('&', 3).Select(WebUtility.UrlDecode).ToArray()!;
            if (parameters.Length < 3)
                return (400, """{"status":"fail","message":"This endpoint expects at least 3 parameters"}""");
            if (parameters[0] != ClusterName)
                return (403, """{"status":"fail","message":"unauthenticated"}""");
            string state = parameters[2].ToUpperInvariant();
            if (state is not ("ACTIVE" or "PASSIVE" or "FROZEN" or "NO_MIGRATION"))
                return (500, $$"""{"status":"fail","message":"No enum constant com.hazelcast.cluster.ClusterState.{{state}}"}""");
            if (state == State)
                return (200, $$"""{"status":"fail","state":"{{state.ToLowerInvariant()}}"}""");
            State = state;
            Record($"changeState {state}");
            if (OnStateChanged is { } changed)
                await changed(state);
            await Task.Delay(ChangeStateAnswerDelay);
            return (200, $$"""{"status":"success","state":"{{state.ToLowerInvariant()}}"}""");
        }
        return (404, "");
    }

    private void Record(string call)
    {
        lock (_calls)
            _calls.Add(call);
    }

    public void Dispose() => _server.Dispose();
}
