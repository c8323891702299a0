using Google.Protobuf.WellKnownTypes;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Tests.Infrastructure;

namespace Mnemo.Runtime.Tests.TestGrains;

public interface IEchoGrain : IGrainWithStringKey
{
    Task<string> Echo(string text);

    Task Ping();

    ValueTask<int> Add(int a, int b);

    ValueTask Touch();

    Task<IReadOnlyList<string>> Split(string? text);

    Task<Timestamp?> Later(Timestamp? time, TimeSpan by);

    Task<byte[]?> Reverse(byte[]? data);

    Task Throw(string message);

    Task<string> WhereAmI();

    Task<int> Increment();

    Task<int> Wait(int milliseconds, CancellationToken cancellationToken);

    Task<string?> Ambient();

    [OneWay]
    Task Notify(string message, int delayMilliseconds);
}

/// <summary>An AsyncLocal a caller may set; grain code must not see it.</summary>
public static class TestAmbient
{
    public static readonly AsyncLocal<string?> Value = new();
}

public sealed class EchoGrain(Probe probe, IMembershipView membership) : Grain, IEchoGrain
{
    private int _count;

    public Task<string> Echo(string text) => Task.FromResult(text);

    public Task Ping() => Task.CompletedTask;

    public async ValueTask<int> Add(int a, int b)
    {
        await Task.Yield();
        return a + b;
    }

    public async ValueTask Touch()
    {
        await Task.Yield();
        probe.Record(GrainId.ToString(), "touched");
    }

    public Task<IReadOnlyList<string>> Split(string? text) =>
        Task.FromResult<IReadOnlyList<string>>(text is null ? [] : text.Split(' '));

    public Task<Timestamp?> Later(Timestamp? time, TimeSpan by) =>
        Task.FromResult(time is null ? null : Timestamp.FromDateTimeOffset(time.ToDateTimeOffset() + by));

    public Task<byte[]?> Reverse(byte[]? data) => Task.FromResult(data?.Reverse().ToArray());

    public async Task Throw(string message)
    {
        await Task.Yield();
        throw new InvalidOperationException(message);
    }

    public Task<string> WhereAmI() => Task.FromResult(membership.Self!.NodeName);

    public Task<int> Increment() => Task.FromResult(++_count);

    public async Task Notify(string message, int delayMilliseconds)
    {
        await Task.Delay(delayMilliseconds);
        probe.Record(GrainId.ToString(), "notified:" + message);
    }

    public Task<string?> Ambient() => Task.FromResult(TestAmbient.Value.Value);

    public async Task<int> Wait(int milliseconds, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(milliseconds, cancellationToken);
            return milliseconds;
        }
        catch (OperationCanceledException)
        {
            probe.Record(GrainId.ToString(), "cancelled");
            throw;
        }
    }
}
