using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mnemo.Grains.Interfaces;
using Mnemo.Tests.Shared;
using Xunit;
using Xunit.Abstractions;

namespace Mnemo.Cluster.Tests;

/// <summary>
/// The management console of real silo processes in a real headless Chromium: the page shows the three
/// nodes and the sample Memshack, a snapshot taken with the page's own form and button (mouse and keyboard
/// input through the DevTools protocol) reaches Committed, and the screenshot is not blank; the console and
/// the Orleans Dashboard ask for the token of a silo that has one.
/// </summary>
[Collection(ConsoleCluster.Name)]
public sealed class ConsoleTests(ConsoleClusterFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_page_shows_the_nodes_and_the_sample_memshack_and_takes_a_snapshot_with_its_button()
    {
        ExternalTools.Require("chromium", "chromium");
        await using HeadlessChromium browser = await HeadlessChromium.OpenAsync(fixture.Console(0), PageTimeout);

        await browser.WaitForAsync(
            """["node-0", "node-1", "node-2"].every(n => document.querySelector(`#nodes tr[data-node="${n}"]`)?.innerText.includes("Active") && document.querySelector(`#nodes tr[data-node="${n}"]`).innerText.includes("MiB"))""",
            PageTimeout, "the three nodes, Active, with their pools");
        await browser.WaitForAsync(
            """document.querySelectorAll('[data-memshack="default/sample"] .shard').length === 3 && document.querySelectorAll('[data-memshack="default/sample"] .state.ok').length === 6""",
            PageTimeout, "the sample Memshack's three shards with two in-sync replicas each");
        Assert.Equal("Mnemo console", (await browser.EvaluateAsync("document.title")).GetString());
        Assert.Equal(fixture.Cluster.Settings.Select(s => $"127.0.0.1:{s.SiloPort}"),
            (await browser.EvaluateAsync("""[...document.querySelectorAll("#nodes tbody tr")].map(r => r.cells[1].innerText)""")).EnumerateArray().Select(e => e.GetString()));

        // As a user: click the name field, type, pick the Memshack (the only one), click the button.
        await browser.ClickAsync("#snapshot-name");
        await browser.TypeAsync("from-page");
        Assert.Equal(ConsoleClusterFixture.Sample, (await browser.EvaluateAsync("""document.querySelector("#snapshot-memshack").value""")).GetString());
        await browser.ClickAsync("#snapshot-create");

        var api = new ClusterSnapshotApi(fixture.Cluster);
        JsonElement status = await api.WaitForPhaseAsync("clustersnapshots", "from-page", [ClusterSnapshotStatus.Committed, ClusterSnapshotStatus.Failed]);
        Assert.True(status.GetProperty("phase").GetString() == ClusterSnapshotStatus.Committed, status.ToString());
        Assert.Equal(3, status.GetProperty("shardsDone").GetInt32());
        await browser.WaitForAsync("""document.querySelector('#snapshots tr[data-snapshot="from-page"]')?.innerText.includes("Committed") === true""",
            PageTimeout, "the page to show the snapshot Committed");

        byte[] png = await browser.ScreenshotPngAsync();
        PngPixels pixels = PngPixels.Decode(png);
        double variance = pixels.LuminanceVariance();
        output.WriteLine($"screenshot {pixels.Width}x{pixels.Height}, {png.Length} bytes, luminance variance {variance:F1}");
        Assert.Equal(1280, pixels.Width);
        // A blank (single-colour) page has none; text, tables and the header bar on white give hundreds.
        Assert.True(variance > 100, $"the screenshot looks blank: luminance variance {variance:F1}");
    }

    [Fact]
    public async Task The_page_shows_an_error_from_the_api_and_loses_nothing()
    {
        ExternalTools.Require("chromium", "chromium");
        await using HeadlessChromium browser = await HeadlessChromium.OpenAsync(fixture.Console(1), PageTimeout);
        await browser.WaitForAsync("""document.querySelector("#snapshot-memshack").value === "default/sample" """, PageTimeout, "the Memshack choice");

        // A name already taken: the API refuses it, the page says why and keeps what was typed.
        var api = new ClusterSnapshotApi(fixture.Cluster);
        await api.CreateAsync("taken", ConsoleClusterFixture.Sample);
        await browser.ClickAsync("#snapshot-name");
        await browser.TypeAsync("taken");
        await browser.ClickAsync("#snapshot-create");
        await browser.WaitForAsync("""document.querySelector("#snapshot-message").classList.contains("error") && document.querySelector("#snapshot-message").innerText.includes("taken")""",
            PageTimeout, "the refusal on the page");
        Assert.Equal("taken", (await browser.EvaluateAsync("""document.querySelector("#snapshot-name").value""")).GetString());
        output.WriteLine((await browser.EvaluateAsync("""document.querySelector("#snapshot-message").innerText""")).GetString());
    }

    [Fact]
    public async Task The_console_and_the_dashboard_ask_for_the_token_of_a_silo_that_has_one()
    {
        using var http = new HttpClient();
        int guarded = fixture.Cluster.Settings[2].HealthPort, open = fixture.Cluster.Settings[0].HealthPort;

        foreach (string path in new[] { "/console/", "/console/api/overview", "/dashboard/" })
        {
            using HttpResponseMessage refused = await http.GetAsync($"http://127.0.0.1:{guarded}{path}");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Basic", refused.Headers.WwwAuthenticate.Single().Scheme);

            using var wrong = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{guarded}{path}");
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

            using var basic = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{guarded}{path}");
            basic.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{ConsoleClusterFixture.Token}")));
            using HttpResponseMessage allowed = await http.SendAsync(basic);
            Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{path}: {allowed.StatusCode}");

            using HttpResponseMessage loopback = await http.GetAsync($"http://127.0.0.1:{open}{path}");
            Assert.True(loopback.StatusCode == HttpStatusCode.OK, $"{path} without a token on a loopback silo: {loopback.StatusCode}");
        }

        using var bearer = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{guarded}/console/api/overview");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", ConsoleClusterFixture.Token);
        using JsonDocument overview = JsonDocument.Parse(await (await http.SendAsync(bearer)).Content.ReadAsStringAsync());
        Assert.Equal("node-2", overview.RootElement.GetProperty("servedBy").GetString());
        // Health and metrics stay open for probes and scrapers.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{guarded}/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"http://127.0.0.1:{guarded}/metrics")).StatusCode);
    }

    [Fact]
    public async Task A_snapshot_request_that_is_not_json_is_refused()
    {
        using var http = new HttpClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["name"] = "by-form", ["memshack"] = ConsoleClusterFixture.Sample });
        using HttpResponseMessage response = await http.PostAsync(new Uri(fixture.Console(0), "api/snapshots"), form);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.False(await new ClusterSnapshotApi(fixture.Cluster).ExistsAsync("by-form"));
    }
}
