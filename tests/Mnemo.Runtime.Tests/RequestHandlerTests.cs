using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Serialization;
using Mnemo.Runtime.Tests.Infrastructure;
using Mnemo.Runtime.Tests.TestGrains;
using Mnemo.Silo.Runtime.Placement;
using Status = Mnemo.Runtime.Messages.GrainResponse.Types.Status;

namespace Mnemo.Runtime.Tests;

/// <summary>What the transport server gets back for each kind of request, well-formed or not:
/// always a response with a status and a reason, never an exception.</summary>
public sealed class RequestHandlerTests : IAsyncLifetime
{
    private readonly Probe _probe = new();
    private InProcessCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await InProcessCluster.StartAsync(2, addServices: s => s.AddSingleton(_probe));

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_well_formed_request_runs_and_returns_the_encoded_result()
    {
        GrainResponse response = await Handle(0, Echo("hello", "Echo", Encode("hi")));
        Assert.Equal(Status.Ok, response.Status);
        Assert.Equal(7UL, response.Id);
        Assert.Equal("hi", ValueCodecs.Decode(ValueCodecs.For(typeof(string)), response.Result));
    }

    [Fact]
    public async Task Unknown_type_and_method_are_named_in_the_answer()
    {
        GrainRequest unknownType = Echo("x", "Echo", Encode("hi"));
        unknownType.GrainType = "nosuchtype";
        GrainResponse typeResponse = await Handle(0, unknownType);
        Assert.Equal(Status.UnknownGrainType, typeResponse.Status);
        Assert.Contains("nosuchtype", typeResponse.Message);

        GrainResponse methodResponse = await Handle(0, Echo("x", "Shout", Encode("hi")));
        Assert.Equal(Status.UnknownMethod, methodResponse.Status);
        Assert.Contains("Shout", methodResponse.Message);
    }

    [Fact]
    public async Task Malformed_arguments_and_ids_are_bad_requests()
    {
        Assert.Equal(Status.BadRequest, (await Handle(0, Echo("x", "Echo"))).Status);
        Assert.Equal(Status.BadRequest, (await Handle(0, Echo("x", "Echo", ByteString.CopyFrom(1, 200)))).Status);
        GrainRequest badChain = Echo("x", "Echo", Encode("hi"));
        badChain.CallChain.Add("no-slash");
        Assert.Equal(Status.BadRequest, (await Handle(0, badChain)).Status);
        GrainRequest emptyType = Echo("x", "Echo", Encode("hi"));
        emptyType.GrainType = "";
        Assert.Equal(Status.BadRequest, (await Handle(0, emptyType)).Status);
    }

    [Fact]
    public async Task Grain_exceptions_carry_their_type_and_message()
    {
        GrainResponse response = await Handle(0, Echo("x", "Throw", Encode("broken")));
        Assert.Equal(Status.ApplicationError, response.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, response.ExceptionType);
        Assert.Equal("broken", response.Message);
    }

    [Fact]
    public async Task Expired_requests_and_old_incarnations_are_refused_without_running()
    {
        GrainRequest expired = Echo("late", "Increment");
        expired.DeadlineUnixMs = DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds();
        Assert.Equal(Status.DeadlineExceeded, (await Handle(0, expired)).Status);

        GrainRequest stale = Echo("late", "Increment");
        stale.Target = (_cluster.Silos[0].Address with { Generation = 0 }).ToMessage();
        GrainResponse staleResponse = await Handle(0, stale);
        Assert.Equal(Status.SiloUnavailable, staleResponse.Status);
        Assert.Equal(0, _cluster.CountActivations(new GrainId("echo", "late")));
    }

    [Fact]
    public async Task A_targeted_request_for_a_grain_owned_elsewhere_gets_the_owner()
    {
        TestSilo receiver = _cluster.Silos[0];
        GrainLocator locator = receiver.Services.GetRequiredService<GrainLocator>();
        string key = Enumerable.Range(0, 1000).Select(i => "elsewhere-" + i).First(k => locator.Locate(new GrainId("echo", k)) != receiver.Address);
        GrainRequest request = Echo(key, "Increment");
        request.Target = receiver.Address.ToMessage();

        GrainResponse response = await Handle(0, request);
        Assert.Equal(Status.WrongSilo, response.Status);
        Assert.Equal(_cluster.Silos[1].Address, SiloAddress.FromMessage(response.ForwardTo));
        Assert.Equal(0, _cluster.CountActivations(new GrainId("echo", key)));

        // Without a target (a client's request) the same silo routes it instead.
        request.Target = null;
        GrainResponse routed = await Handle(0, request);
        Assert.Equal(Status.Ok, routed.Status);
        Assert.True(_cluster.Silos[1].Catalog.IsActivated(new GrainId("echo", key)));
    }

    private Task<GrainResponse> Handle(int silo, GrainRequest request) =>
        _cluster.Silos[silo].Services.GetRequiredService<IGrainRequestHandler>().HandleAsync(request, CancellationToken.None);

    private static GrainRequest Echo(string key, string method, params ByteString[] arguments) => new()
    {
        Id = 7,
        GrainType = "echo",
        GrainKey = key,
        InterfaceName = typeof(IEchoGrain).FullName,
        Method = method,
        Arguments = { arguments },
        DeadlineUnixMs = DateTimeOffset.UtcNow.AddSeconds(30).ToUnixTimeMilliseconds(),
    };

    private static ByteString Encode(string value) => ValueCodecs.Encode(ValueCodecs.For(typeof(string)), value);
}
