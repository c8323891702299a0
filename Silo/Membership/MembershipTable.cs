using Mnemo.Runtime.Membership;
using Mnemo.Runtime.Messaging;

namespace Mnemo.Silo.Membership;

/// <summary>This silo's table of members: the newest incarnation known per endpoint, its status and
/// its probe record. Pure state and rules, no I/O; thread-safe. Statuses only move forward
/// (Joining, Active, ShuttingDown, Dead) and an incarnation once Dead stays dead: a silo comes back
/// only as a new generation, which replaces the old entry.</summary>
public sealed class MembershipTable
{
    private readonly object _lock = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider _time;
    private IReadOnlyList<SiloMember> _members = [];
    private IReadOnlyList<SiloAddress> _active = [];

    public MembershipTable(SiloAddress self, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        Self = self;
        _entries[self.Endpoint] = new Entry(self, SiloStatus.Joining, _time.GetUtcNow());
        Publish();
    }

    public SiloAddress Self { get; }

    public SiloStatus SelfStatus { get { lock (_lock) return _entries[Self.Endpoint].Status; } }

    public IReadOnlyList<SiloMember> Members => Volatile.Read(ref _members);

    public IReadOnlyList<SiloAddress> ActiveSilos => Volatile.Read(ref _active);

    /// <summary>Activation counts as last reported by each member.</summary>
    public int ActivationCountOf(SiloAddress silo)
    {
        lock (_lock)
            return _entries.TryGetValue(silo.Endpoint, out var e) && e.Address == silo ? e.ActivationCount : 0;
    }

    /// <summary>Moves this silo's own status forward.</summary>
    public bool SetSelfStatus(SiloStatus status) => Observe(Self, status, activationCount: null) == Observation.Changed;

    /// <summary>A member told us (by probing us or answering our probe) its incarnation and status.
    /// Returns Rejected when that incarnation is dead or superseded: it must not take part any more.</summary>
    public Observation Observe(SiloAddress silo, SiloStatus status, int? activationCount)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(silo.Endpoint, out var entry) || silo.Generation > entry.Address.Generation)
            {
                _entries[silo.Endpoint] = new Entry(silo, status, _time.GetUtcNow()) { ActivationCount = activationCount ?? 0 };
                Publish();
                return Observation.Changed;
            }
            if (silo.Generation < entry.Address.Generation || entry.Status == SiloStatus.Dead)
                return Observation.Rejected;

            entry.ConsecutiveFailures = 0;
            if (activationCount is { } count)
                entry.ActivationCount = count;
            if (status <= entry.Status)
                return Observation.Unchanged;
            entry.Status = status;
            entry.Since = _time.GetUtcNow();
            Publish();
            return Observation.Changed;
        }
    }

    /// <summary>A probe of <paramref name="endpoint"/> failed. Returns the incarnation declared dead
    /// by this failure, if any.</summary>
    public SiloAddress? RecordProbeFailure(string endpoint, int failuresToDeclareDead)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(endpoint, out var entry) || entry.Status == SiloStatus.Dead || entry.Address == Self)
                return null;
            if (++entry.ConsecutiveFailures < failuresToDeclareDead)
                return null;
            entry.Status = SiloStatus.Dead;
            entry.Since = _time.GetUtcNow();
            Publish();
            return entry.Address;
        }
    }

    /// <summary>Whether calls from this incarnation must be refused: it was declared dead or a newer
    /// incarnation runs on its endpoint.</summary>
    public bool IsDeclaredDead(SiloAddress silo)
    {
        lock (_lock)
        {
            return _entries.TryGetValue(silo.Endpoint, out var entry)
                && (silo.Generation < entry.Address.Generation
                    || (silo.Generation == entry.Address.Generation && entry.Status == SiloStatus.Dead));
        }
    }

    // Called under the lock: readers get immutable snapshots without locking.
    private void Publish()
    {
        var members = _entries.Values
            .OrderBy(e => e.Address.Endpoint, StringComparer.Ordinal)
            .Select(e => new SiloMember(e.Address, e.Status, e.Since))
            .ToArray();
        Volatile.Write(ref _members, members);
        Volatile.Write(ref _active, members.Where(m => m.Status == SiloStatus.Active).Select(m => m.Address).ToArray());
    }

    private sealed class Entry(SiloAddress address, SiloStatus status, DateTimeOffset since)
    {
        public SiloAddress Address { get; } = address;
        public SiloStatus Status { get; set; } = status;
        public DateTimeOffset Since { get; set; } = since;
        public int ConsecutiveFailures { get; set; }
        public int ActivationCount { get; set; }
    }
}

public enum Observation { Unchanged, Changed, Rejected }
