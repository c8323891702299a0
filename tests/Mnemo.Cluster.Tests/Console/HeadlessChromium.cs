using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// Debian's <c>chromium</c> in headless mode, driven over the DevTools protocol on a WebSocket: it loads a
/// page, evaluates script in it, clicks and types as a user does (input events at the element's position),
/// and takes screenshots. The browser and its profile folder go away on dispose.
/// </summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    private readonly Process _browser;
    private readonly string _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private int _nextId;

    private HeadlessChromium(Process browser, string profile)
    {
        _browser = browser;
        _profile = profile;
    }

    public static async Task<HeadlessChromium> OpenAsync(Uri page, TimeSpan timeout)
    {
        string profile = Path.Combine(Path.GetTempPath(), "mnemo-chromium-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(profile);
        var info = new ProcessStartInfo("chromium") { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        // No sandbox: the tests may run as root, which Chromium's sandbox refuses.
        foreach (string argument in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                     "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", $"--user-data-dir={profile}", "--window-size=1280,1000",
                     page.ToString() })
            info.ArgumentList.Add(argument);
        Process browser = Process.Start(info) ?? throw new InvalidOperationException("chromium did not start");
        browser.OutputDataReceived += (_, _) => { };
        browser.ErrorDataReceived += (_, _) => { };
        browser.BeginOutputReadLine();
        browser.BeginErrorReadLine();
        var chromium = new HeadlessChromium(browser, profile);
        try
        {
            await chromium.AttachAsync(timeout);
            return chromium;
        }
        catch
        {
            await chromium.DisposeAsync();
            throw;
        }
    }

    /// <summary>Attaches to the page target: Chromium writes its DevTools port to the profile once it listens.</summary>
    private async Task AttachAsync(TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        string portFile = Path.Combine(_profile, "DevToolsActivePort");
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            if (_browser.HasExited)
                throw new InvalidOperationException($"chromium exited with {_browser.ExitCode}");
            if (File.Exists(portFile) && File.ReadAllLines(portFile) is [var port, ..] && port.Length > 0)
            {
                JsonArray targets = JsonNode.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/json/list"))!.AsArray();
                if (targets.FirstOrDefault(t => (string?)t!["type"] == "page") is { } target)
                {
                    await _socket.ConnectAsync(new Uri((string)target["webSocketDebuggerUrl"]!), CancellationToken.None);
                    _receiving = ReceiveAsync();
                    return;
                }
            }
            if (watch.Elapsed > timeout)
                throw new TimeoutException($"chromium offered no page target within {timeout}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends one DevTools command and returns its result; a protocol error throws.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null)
    {
        int id = Interlocked.Increment(ref _nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = reply;
        byte[] message = JsonSerializer.SerializeToUtf8Bytes(new { id, method, @params = parameters ?? new { } });
        await _socket.SendAsync(message, WebSocketMessageType.Text, true, CancellationToken.None);
        return await reply.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>The value of a script expression in the page (awaited when it is a promise).</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        JsonElement result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out JsonElement exception))
            throw new InvalidOperationException($"script failed: {exception}");
        return result.GetProperty("result").TryGetProperty("value", out JsonElement value) ? value.Clone() : default;
    }

    /// <summary>Polls a boolean expression until it is true; a script error (the page still loading) counts as false.</summary>
    public async Task WaitForAsync(string expression, TimeSpan timeout, string what)
    {
        var watch = Stopwatch.StartNew();
        string? error = null;
        while (true)
        {
            try
            {
                if (await EvaluateAsync(expression) is { ValueKind: JsonValueKind.True })
                    return;
            }
            catch (InvalidOperationException e)
            {
                error = e.Message;
            }
            if (watch.Elapsed > timeout)
                throw new TimeoutException(
                    $"timed out after {timeout} waiting for {what}; last script error: {error}; the page shows:\n{await EvaluateAsync("document.body?.innerText")}");
            await Task.Delay(200);
        }
    }

    /// <summary>Clicks the middle of the element <paramref name="selector"/> finds with the mouse: press and release there, as a user does.</summary>
    public async Task ClickAsync(string selector)
    {
        JsonElement box = await EvaluateAsync(
            $"(() => {{ const e = document.querySelector({JsonSerializer.Serialize(selector)}); e.scrollIntoView(); const r = e.getBoundingClientRect(); return {{ x: r.x + r.width / 2, y: r.y + r.height / 2 }}; }})()");
        double x = box.GetProperty("x").GetDouble(), y = box.GetProperty("y").GetDouble();
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseMoved", x, y });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mousePressed", x, y, button = "left", clickCount = 1 });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseReleased", x, y, button = "left", clickCount = 1 });
    }

    /// <summary>Types <paramref name="text"/> into the focused element.</summary>
    public Task TypeAsync(string text) => SendAsync("Input.insertText", new { text });

    public async Task<byte[]> ScreenshotPngAsync()
    {
        JsonElement shot = await SendAsync("Page.captureScreenshot", new { format = "png" });
        return Convert.FromBase64String(shot.GetProperty("data").GetString()!);
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (_socket.State == WebSocketState.Open)
            {
                WebSocketReceiveResult received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                    break;
                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                    continue;
                using (JsonDocument document = JsonDocument.Parse(message.ToArray()))
                {
                    JsonElement root = document.RootElement;
                    // Events carry no id; only replies to commands are awaited.
                    if (root.TryGetProperty("id", out JsonElement id) && _pending.TryRemove(id.GetInt32(), out var reply))
                    {
                        if (root.TryGetProperty("error", out JsonElement error))
                            reply.SetException(new InvalidOperationException($"DevTools error: {error}"));
                        else
                            reply.SetResult(root.GetProperty("result").Clone());
                    }
                }
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
        }
        foreach (var reply in _pending.Values)
            reply.TrySetException(new InvalidOperationException("the DevTools connection closed"));
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _receiving;
        _socket.Dispose();
        if (!_browser.HasExited)
        {
            _browser.Kill(entireProcessTree: true);
            await _browser.WaitForExitAsync();
        }
        _browser.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // A helper process may still hold a file for a moment; the temp folder is cleaned eventually.
        }
    }
}
