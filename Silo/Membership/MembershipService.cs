using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messages;
using Mnemo.Runtime.Messaging;
using Mnemo.Runtime.Transport;

namespace Mnemo.Silo.Membership;

/// <summary>Keeps this silo's view of the cluster: probes every peer endpoint each interval (probes
/// carry our own incarnation and status, so they also announce us), declares a peer dead after
/// consecutive failed probes, answers peers' probes, and refuses calls from incarnations it
/// declared dead. A silo that learns it was itself declared dead stops: it may only come back as a
/// new generation.</summary>
public sealed class MembershipService(
    MembershipTable table,
    IMembershipProvider provider,
    Http2MessageTransport transport,
    ILocalActivationCounter activations,
    IHostApplicationLifetime lifetime,
    IOptions<MembershipOptions> options,
    ILogger<MembershipService> logger)
    : BackgroundService, IMembershipView, ISiloControlHandler, IIncomingCallAdmission
{
    private readonly MembershipOptions _options = options.Value;

    public SiloAddress Self => table.Self;

    public IReadOnlyList<SiloMember> Members => table.Members;

    public IReadOnlyList<SiloAddress> ActiveSilos => table.ActiveSilos;

    public event Action<IReadOnlyList<SiloMember>>? Changed;

    public SiloStatus SelfStatus => table.SelfStatus;

    /// <summary>True once the first probe round has run and this silo counts itself Active.</summary>
    public bool IsServing => table.SelfStatus == SiloStatus.Active;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Join only once the transport is listening, so peers that learn about us can call us.
        await WaitForStartAsync(stoppingToken);
        await ProbeAllAsync(stoppingToken);
        if (table.SelfStatus == SiloStatus.Joining)
        {
            Apply(table.SetSelfStatus(SiloStatus.Active));
            logger.LogInformation("Joined the cluster as {Self}; active members: {Active}", Self, string.Join(", ", ActiveSilos));
        }

        using var timer = new PeriodicTimer(_options.ProbeInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
            await ProbeAllAsync(stoppingToken);
    }

    /// <summary>Moves this silo to <paramref name="status"/> (ShuttingDown, then Dead when leaving)
    /// and tells every live peer at once instead of letting them find out by failed probes.</summary>
    public async Task AnnounceAsync(SiloStatus status, CancellationToken cancellationToken)
    {
        Apply(table.SetSelfStatus(status));
        logger.LogInformation("{Self} is now {Status}", Self, status);
        var peers = Members.Where(m => m.Address != Self && m.Status != SiloStatus.Dead).Select(m => m.Address);
        await Task.WhenAll(peers.Select(peer => PingPeerAsync(peer, cancellationToken)));
    }

    public Task<PingResponse> PingAsync(PingRequest request, CancellationToken cancellationToken)
    {
        var sender = SiloAddress.FromMessage(request.Sender);
        var observation = table.Observe(sender, request.SenderStatus.ToSiloStatus(), activationCount: null);
        Apply(observation == Observation.Changed);
        if (observation == Observation.Rejected && request.SenderStatus != MemberStatus.Dead)
            logger.LogWarning("Probe from {Sender}, an incarnation declared dead; told it so", sender);
        return Task.FromResult(new PingResponse
        {
            Responder = Self.ToMessage(),
            Status = table.SelfStatus.ToMessage(),
            ActivationCount = activations.ActivationCount,
            SenderDeclaredDead = observation == Observation.Rejected,
        });
    }

    public Task<MembersResponse> GetMembersAsync(MembersRequest request, CancellationToken cancellationToken)
    {
        var response = new MembersResponse { Responder = Self.ToMessage() };
        foreach (var member in Members)
        {
            response.Members.Add(new MemberInfo
            {
                Address = member.Address.ToMessage(),
                Status = member.Status.ToMessage(),
                SinceUnixMs = member.Since.ToUnixTimeMilliseconds(),
                ActivationCount = member.Address == Self ? activations.ActivationCount : table.ActivationCountOf(member.Address),
            });
        }
        return Task.FromResult(response);
    }

    public GrainResponse? Admit(GrainRequest request)
    {
        if (request.Target is { } target && target.Generation != 0 && target.Generation != Self.Generation)
            return Reject(request, $"the call was meant for incarnation {target.Generation} of {Self.Endpoint}, this is {Self.Generation}");
        if (request.Sender is { } sender && table.IsDeclaredDead(SiloAddress.FromMessage(sender)))
            return Reject(request, $"the sending silo {SiloAddress.FromMessage(sender)} was declared dead");
        return null;
    }

    private static GrainResponse Reject(GrainRequest request, string reason) =>
        new() { Id = request.Id, Status = GrainResponse.Types.Status.SiloUnavailable, Message = reason };

    private async Task ProbeAllAsync(CancellationToken cancellationToken)
    {
        // Once this silo has left (or was declared dead) it has nothing left to learn or announce.
        if (table.SelfStatus == SiloStatus.Dead)
            return;
        var endpoints = await provider.GetPeerEndpointsAsync(cancellationToken);
        var known = Members.ToDictionary(m => m.Address.Endpoint, m => m.Address, StringComparer.OrdinalIgnoreCase);
        var probes = endpoints
            .Where(endpoint => !string.Equals(endpoint, Self.Endpoint, StringComparison.OrdinalIgnoreCase))
            .Select(endpoint => known.TryGetValue(endpoint, out var address) ? address : Unidentified(endpoint))
            .Select(peer => PingPeerAsync(peer, cancellationToken));
        await Task.WhenAll(probes);
    }

    private async Task PingPeerAsync(SiloAddress peer, CancellationToken cancellationToken)
    {
        var request = new PingRequest { Sender = Self.ToMessage(), SenderStatus = table.SelfStatus.ToMessage() };
        try
        {
            var response = await transport.PingAsync(peer, request, _options.ProbeTimeout, cancellationToken);
            if (response.SenderDeclaredDead)
            {
                OnDeclaredDead(SiloAddress.FromMessage(response.Responder));
                return;
            }
            var responder = SiloAddress.FromMessage(response.Responder);
            Apply(table.Observe(responder, response.Status.ToSiloStatus(), response.ActivationCount) == Observation.Changed);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is SiloUnavailableException or RpcStatusException)
        {
            if (table.RecordProbeFailure(peer.Endpoint, _options.FailuresToDeclareDead) is { } dead)
            {
                logger.LogWarning("Declared {Silo} dead after {Failures} failed probes: {Error}", dead, _options.FailuresToDeclareDead, e.Message);
                Apply(true);
            }
        }
    }

    private void OnDeclaredDead(SiloAddress by)
    {
        if (table.SelfStatus == SiloStatus.Dead)
            return;
        logger.LogCritical("{By} declared this silo ({Self}) dead; stopping, a restart joins as a new generation", by, Self);
        Apply(table.SetSelfStatus(SiloStatus.Dead));
        lifetime.StopApplication();
    }

    private static SiloAddress Unidentified(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return new SiloAddress(endpoint[..colon], int.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture), 0, "");
    }

    private Task WaitForStartAsync(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(cancellationToken);
    }

    private void Apply(bool changed)
    {
        if (changed)
            Changed?.Invoke(Members);
    }
}
