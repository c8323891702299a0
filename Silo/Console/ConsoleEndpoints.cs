using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;

namespace Mnemo.Silo;

/// <summary>
/// The management console on the health port: a static page (<c>/console/</c>, plain HTML and JavaScript
/// modules embedded in the silo) polling small JSON endpoints, and the Orleans Dashboard beside it at
/// <c>/dashboard/</c>. Both sit behind <see cref="ConsoleAccess"/>.
/// </summary>
public static class ConsoleEndpoints
{
    public const string ConsolePath = "/console";
    public const string DashboardPath = "/dashboard";

    // The page's files, embedded under console/ (see the project file): name -> content type.
    private static readonly FrozenDictionary<string, string> Files = new Dictionary<string, string>
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["console.js"] = "text/javascript; charset=utf-8",
        ["console.css"] = "text/css; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static IServiceCollection AddManagementConsole(this IServiceCollection services, ConsoleAccess access)
    {
        services.AddSingleton(access);
        services.AddSingleton<ConsoleOverview>();
        return services;
    }

    /// <summary>Guards both paths; must run before the endpoints (it is middleware, so it covers the dashboard's own files too).</summary>
    public static WebApplication UseConsoleAccess(this WebApplication app)
    {
        ConsoleAccess access = app.Services.GetRequiredService<ConsoleAccess>();
        app.UseWhen(context => context.Request.Path.StartsWithSegments(ConsolePath) || context.Request.Path.StartsWithSegments(DashboardPath),
            branch => branch.Use((context, next) => access.HandleAsync(context, next)));
        return app;
    }

    public static void MapManagementConsole(this WebApplication app, int healthPort)
    {
        string host = $"*:{healthPort}";
        app.MapOrleansDashboard(DashboardPath).RequireHost(host);

        RouteGroupBuilder console = app.MapGroup(ConsolePath).RequireHost(host);
        // Routing ignores a trailing slash: this answers /console and /console/ alike (the page links its files by absolute path).
        console.MapGet("/", () => File("index.html"));
        console.MapGet("/{file}", (string file) => Files.ContainsKey(file) ? File(file) : Results.NotFound());

        RouteGroupBuilder api = console.MapGroup("/api");
        api.MapGet("/overview", async (ConsoleOverview overview, CancellationToken cancellationToken) =>
            Results.Json(await overview.ReadAsync(cancellationToken)));
        api.MapPost("/snapshots", async (HttpRequest request, ConsoleOverview overview, CancellationToken cancellationToken) =>
        {
            // JSON only: a cross-site form cannot send it without a CORS preflight, which the silo never grants.
            if (!request.HasJsonContentType())
                return Results.Json(new ConsoleError("send the snapshot as application/json"), statusCode: StatusCodes.Status415UnsupportedMediaType);
            SnapshotRequest? body = await request.ReadFromJsonAsync<SnapshotRequest>(cancellationToken);
            if (body is not { Name.Length: > 0, Memshack: { } memshack } || memshack.Split('/') is not [{ Length: > 0 } ns, { Length: > 0 } name])
                return Results.BadRequest(new ConsoleError("a snapshot needs a name and a Memshack as namespace/name"));
            return await Answer(async () =>
            {
                await overview.Snapshots.CreateAsync(body.Name, name, ns, null, null, cancellationToken);
                return Results.Created($"{ConsolePath}/api/snapshots/{body.Name}", await overview.Snapshots.GetAsync(body.Name, cancellationToken));
            });
        });
        api.MapPost("/snapshots/{name}/restore", async (string name, HttpRequest request, ConsoleOverview overview, CancellationToken cancellationToken) =>
        {
            if (!request.HasJsonContentType())
                return Results.Json(new ConsoleError("send the restore as application/json"), statusCode: StatusCodes.Status415UnsupportedMediaType);
            if (await overview.Snapshots.GetAsync(name, cancellationToken) is null)
                return Results.NotFound(new ConsoleError($"no cluster snapshot {name}"));
            string restore = $"{name}-{DateTimeOffset.UtcNow:yyyyMMdd-HHmmss}";
            return await Answer(async () =>
            {
                await overview.Snapshots.CreateRestoreAsync(restore, name, cancellationToken);
                return Results.Created($"{ConsolePath}/api/restores/{restore}", await overview.Snapshots.GetRestoreAsync(restore, cancellationToken));
            });
        });
        api.MapDelete("/snapshots/{name}", async (string name, ConsoleOverview overview, CancellationToken cancellationToken) =>
            await overview.Snapshots.DeleteAsync(name, cancellationToken) ? Results.Accepted() : Results.NotFound(new ConsoleError($"no cluster snapshot {name}")));
    }

    /// <summary>The API's refusal (a bad name, a name taken) as a 400 with its message.</summary>
    private static async Task<IResult> Answer(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (ArgumentException e)
        {
            return Results.BadRequest(new ConsoleError(e.Message));
        }
    }

    private static IResult File(string name)
    {
        Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"console/{name}")
            ?? throw new InvalidOperationException($"console/{name} is not embedded in the silo");
        return Results.Stream(stream, Files[name]);
    }

    private sealed record SnapshotRequest([property: JsonPropertyName("name")] string? Name, [property: JsonPropertyName("memshack")] string? Memshack);

    private sealed record ConsoleError([property: JsonPropertyName("error")] string Error);
}
