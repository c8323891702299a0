using System.Net.Http.Json;

namespace Mnemo.Grains;

/// <summary>
/// The <c>generic</c> profile: POSTs <c>{"step", "operation", "snapshot", "memshack"}</c> to the pre hook before
/// the fence and to the post hook after the outcome; each must answer 2xx within the profile's timeout.
/// The post hook runs also after a failed pre hook (the application may have paused part-way), but not
/// when the pre hook was never reached.
/// </summary>
public sealed class GenericHooksPause(HttpClient http, SnapshotProfile profile, string operation, string snapshot, string memshack, bool paused = false)
    : IApplicationPause
{
    private bool _preCalled = paused;

    public async Task PauseAsync()
    {
        if (profile.Pre is not { } pre)
            return;
        _preCalled = true;
        await CallAsync(pre, "pre");
    }

    public async Task ResumeAsync()
    {
        if (profile.Post is { } post && (_preCalled || profile.Pre is null))
            await CallAsync(post, "post");
    }

    /// <summary>Throws, with the reason, unless <paramref name="hook"/> answers 2xx within the profile's timeout.</summary>
    private async Task CallAsync(Uri hook, string step)
    {
        using var deadline = new CancellationTokenSource(profile.Timeout);
        try
        {
            using HttpResponseMessage response = await http.PostAsJsonAsync(hook, new { step, operation, snapshot, memshack }, deadline.Token);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"{step} hook {hook} answered {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{step} hook {hook} did not answer within {profile.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"{step} hook {hook} failed: {e.Message}", e);
        }
    }
}
