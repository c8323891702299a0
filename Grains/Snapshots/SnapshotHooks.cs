using System.Net.Http.Json;

namespace Mnemo.Grains;

/// <summary>Calls a profile's HTTP hooks: a POST with a small JSON body naming the snapshot, the Memshack and the step.</summary>
public sealed class SnapshotHooks : IDisposable
{
    private readonly HttpClient _http = new();

    /// <summary>Throws, with the reason, unless <paramref name="hook"/> answers 2xx within <paramref name="timeout"/>.</summary>
    public async Task CallAsync(Uri hook, string step, string snapshot, string memshack, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            using HttpResponseMessage response = await _http.PostAsJsonAsync(hook, new { step, snapshot, memshack }, deadline.Token);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"{step} hook {hook} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{step} hook {hook} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"{step} hook {hook} failed: {e.Message}", e);
        }
    }

    public void Dispose() => _http.Dispose();
}
