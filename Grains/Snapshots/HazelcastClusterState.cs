using System.Net;
using System.Text;
using System.Text.Json;

namespace Mnemo.Grains;

/// <summary>
/// The <c>hazelcast</c> profile: sets the Hazelcast cluster PASSIVE before the fence and ACTIVE again after it,
/// through its members' REST API: <c>GET /hazelcast/health</c> (endpoint group <c>HEALTH_CHECK</c>) reads the
/// cluster state, <c>POST /hazelcast/rest/management/cluster/changeState</c> with the form body
/// <c>clusterName&amp;password&amp;state</c> (endpoint group <c>CLUSTER_WRITE</c>) changes it. Members are tried in
/// order until one answers; an HTTP answer is final. A cluster that is not ACTIVE before is left as it is
/// (whoever changed its state resumes it), and only a change this pause made, or may have made, is undone
/// (or, after a run whose coordinator died, the one that run may have made).
/// </summary>
public sealed class HazelcastClusterState(HttpClient http, HazelcastMembers members, TimeSpan timeout, bool paused = false) : IApplicationPause
{
    public const string HealthPath = "/hazelcast/health";
    public const string ChangeStatePath = "/hazelcast/rest/management/cluster/changeState";
    public const string Active = "ACTIVE";
    public const string Passive = "PASSIVE";

    private Uri? _member;
    private bool _resumeDue = paused;

    public async Task PauseAsync()
    {
        (Uri member, string state) = await ReadStateAsync();
        if (!string.Equals(state, Active, StringComparison.OrdinalIgnoreCase))
            return;
        _member = member;
        try
        {
            _resumeDue = await ChangeStateAsync(member, Passive);
        }
        catch (HazelcastUnreachableException e)
        {
            // The change may have been made without its answer arriving: resume then.
            _resumeDue = true;
            throw new InvalidOperationException($"the Hazelcast cluster was not set {Passive}: {e.Message}", e);
        }
    }

    public async Task ResumeAsync()
    {
        if (!_resumeDue)
            return;
        var failures = new List<string>();
        foreach (Uri member in members.Addresses.OrderBy(m => m == _member ? 0 : 1))
        {
            try
            {
                await ChangeStateAsync(member, Active);
                _resumeDue = false;
                return;
            }
            catch (HazelcastUnreachableException e)
            {
                failures.Add(e.Message);
            }
        }
        throw new InvalidOperationException($"the Hazelcast cluster was not set {Active} again: {string.Join("; ", failures)}");
    }

    /// <summary>The cluster state as the first member that answers reports it.</summary>
    private async Task<(Uri Member, string State)> ReadStateAsync()
    {
        var failures = new List<string>();
        foreach (Uri member in members.Addresses)
        {
            try
            {
                (HttpStatusCode status, string body) = await SendAsync(member, new HttpRequestMessage(HttpMethod.Get, new Uri(member, HealthPath)));
                if (status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
                    throw GroupDisabled(member, "HEALTH_CHECK", HealthPath, status);
                if (status != HttpStatusCode.OK || Property(body, "clusterState") is not { } state)
                    throw new InvalidOperationException($"Hazelcast member {member} answered {HealthPath} with {(int)status}: {Shorten(body)}");
                return (member, state);
            }
            catch (HazelcastUnreachableException e)
            {
                failures.Add(e.Message);
            }
        }
        throw new InvalidOperationException($"no Hazelcast member answered: {string.Join("; ", failures)}");
    }

    /// <summary>Sets <paramref name="state"/>; false when the cluster was in it already (this call changed nothing).</summary>
    private async Task<bool> ChangeStateAsync(Uri member, string state)
    {
        string form = string.Join('&', Uri.EscapeDataString(members.ClusterName), Uri.EscapeDataString(members.Password), state);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(member, ChangeStatePath))
        {
            Content = new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"),
        };
        (HttpStatusCode status, string body) = await SendAsync(member, request);
        if (status == HttpStatusCode.Forbidden && Property(body, "message") == "unauthenticated")
        {
            throw new InvalidOperationException(
                $"Hazelcast member {member} refused cluster name '{members.ClusterName}' with the password given (403 unauthenticated); set --cluster-name and --password");
        }
        if (status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
            throw GroupDisabled(member, "CLUSTER_WRITE", ChangeStatePath, status);
        string? outcome = Property(body, "status");
        if (status == HttpStatusCode.OK && outcome == "success")
            return true;
        // Hazelcast answers "fail" with the state asked for when the cluster is in it already.
        if (status == HttpStatusCode.OK && outcome == "fail" && string.Equals(Property(body, "state"), state, StringComparison.OrdinalIgnoreCase))
            return false;
        throw new InvalidOperationException($"Hazelcast member {member} did not set the cluster {state}: {(int)status} {Shorten(body)}");
    }

    /// <summary>The status and body; <see cref="HazelcastUnreachableException"/> when the member did not answer in time.</summary>
    private async Task<(HttpStatusCode Status, string Body)> SendAsync(Uri member, HttpRequestMessage request)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            using (request)
            using (HttpResponseMessage response = await http.SendAsync(request, deadline.Token))
                return (response.StatusCode, await response.Content.ReadAsStringAsync(deadline.Token));
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new HazelcastUnreachableException($"{member} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new HazelcastUnreachableException($"{member}: {e.Message}");
        }
    }

    private static InvalidOperationException GroupDisabled(Uri member, string group, string path, HttpStatusCode status) =>
        new($"Hazelcast member {member} answered {path} with {(int)status}: enable its REST API with the endpoint groups HEALTH_CHECK and CLUSTER_WRITE " +
            $"({group} is needed here), or snapshot with --nopause");

    private static string? Property(string body, string name)
    {
        try
        {
            using JsonDocument json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Shorten(string body) => body.Length <= 200 ? body : body[..200] + "...";

    /// <summary>A member that gave no HTTP answer: the next one is tried.</summary>
    private sealed class HazelcastUnreachableException(string message) : Exception(message);
}
