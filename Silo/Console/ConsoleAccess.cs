using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Mnemo.Silo;

/// <summary>
/// Who may use the management console and the Orleans Dashboard. With a token (<c>--console-token</c> /
/// <c>MNEMO_CONSOLE_TOKEN</c>, in a pod from a Secret) every request must present it, as a bearer token or
/// as the password of HTTP basic authentication (any user name), so a browser asks for it. Without one,
/// only a silo bound to a loopback address serves them: nothing but local processes can reach it.
/// </summary>
public sealed class ConsoleAccess(IPAddress boundAddress, string? token)
{
    public const string Realm = "Mnemo console";

    private readonly byte[]? _token = token is { Length: > 0 } ? Encoding.UTF8.GetBytes(token) : null;

    public bool Open => _token is null && IPAddress.IsLoopback(boundAddress);

    public ConsoleAccessDecision Decide(string? authorization)
    {
        if (Open)
            return ConsoleAccessDecision.Allowed;
        if (_token is null)
            return ConsoleAccessDecision.NotConfigured;
        return Presented(authorization) is { } presented && CryptographicOperations.FixedTimeEquals(presented, _token)
            ? ConsoleAccessDecision.Allowed
            : ConsoleAccessDecision.Challenge;
    }

    /// <summary>Applies <see cref="Decide"/> to a request: 401 with a basic-auth challenge, or 403 when no token is configured.</summary>
    public async Task HandleAsync(HttpContext context, RequestDelegate next)
    {
        switch (Decide(context.Request.Headers.Authorization))
        {
            case ConsoleAccessDecision.Allowed:
                await next(context);
                return;
            case ConsoleAccessDecision.NotConfigured:
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await context.Response.WriteAsync(
                    "the console is served on a non-loopback address only with a token: set --console-token or MNEMO_CONSOLE_TOKEN\n");
                return;
            default:
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = $"Basic realm=\"{Realm}\", charset=\"UTF-8\"";
                await context.Response.WriteAsync("the console token is required (bearer token, or the password of basic authentication)\n");
                return;
        }
    }

    /// <summary>The token a request presents: <c>Bearer token</c>, or the password of <c>Basic base64(user:password)</c>.</summary>
    private static byte[]? Presented(string? authorization)
    {
        if (authorization is null)
            return null;
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim());
        if (!authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return null;
        try
        {
            string credentials = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
            int colon = credentials.IndexOf(':');
            return colon < 0 ? null : Encoding.UTF8.GetBytes(credentials[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public enum ConsoleAccessDecision { Allowed, Challenge, NotConfigured }
