using Mnemo.Runtime.Messaging;

namespace Mnemo.Runtime.Membership;

/// <summary>A membership view whose members are set by its owner: a fixed dev cluster, a test that
/// adds, kills and removes silos, or a provider that feeds what it learns. Snapshots are immutable and
/// swapped atomically; <see cref="Changed"/> fires after each update.</summary>
public sealed class StaticMembershipView : IMembershipView
{
    private readonly Lock _updateLock = new();
    private Snapshot _snapshot = new([], []);

    public StaticMembershipView(SiloAddress? self, IEnumerable<SiloAddress>? activeSilos = null)
    {
        Self = self;
        if (activeSilos is not null)
        {
            SetMembers(activeSilos.Select(s => new SiloMember(s, SiloStatus.Active, DateTimeOffset.UtcNow)));
        }
    }

    public SiloAddress? Self { get; }

    public IReadOnlyList<SiloMember> Members => _snapshot.Members;

    public IReadOnlyList<SiloAddress> ActiveSilos => _snapshot.Active;

    public event Action<IReadOnlyList<SiloMember>>? Changed;

    /// <summary>Replaces all members. For one endpoint only the newest generation is kept.</summary>
    public void SetMembers(IEnumerable<SiloMember> members) => Update(_ => members);

    /// <summary>Adds or replaces one member, keeping the others.</summary>
    public void SetStatus(SiloAddress silo, SiloStatus status) =>
        Update(members => [.. members.Where(m => m.Address != silo), new SiloMember(silo, status, DateTimeOffset.UtcNow)]);

    public void Remove(SiloAddress silo) => Update(members => members.Where(m => m.Address != silo));

    private void Update(Func<IReadOnlyList<SiloMember>, IEnumerable<SiloMember>> change)
    {
        Snapshot snapshot;
        lock (_updateLock)
        {
            SiloMember[] newest = change(_snapshot.Members)
                .GroupBy(m => m.Address.Endpoint, StringComparer.Ordinal)
                .Select(g => g.MaxBy(m => m.Address.Generation)!)
                .OrderBy(m => m.Address, SiloAddressOrder.Instance)
                .ToArray();
            snapshot = new Snapshot(newest, newest.Where(m => m.Status == SiloStatus.Active).Select(m => m.Address).ToArray());
            _snapshot = snapshot;
        }

        // Outside the lock: handlers may read the view or update it again.
        Changed?.Invoke(snapshot.Members);
    }

    private sealed record Snapshot(IReadOnlyList<SiloMember> Members, IReadOnlyList<SiloAddress> Active);
}
