using Grpc.Core;
using Mnemo.Api.V1;
using INodeMemoryGrain = Mnemo.Grains.Interfaces.INodeMemoryGrain;
using Orleans;
using Orleans.Runtime;

namespace Mnemo.Api;

/// <summary><c>mnemo.v1.Memory</c>: membership from Orleans' management grain and each node's pool from its NodeMemoryGrain,
/// as <c>mnemo list</c> and <c>mnemo usage</c> read them.</summary>
public sealed class MemoryService(IGrainFactory grains) : V1.Memory.MemoryBase
{
    public override async Task<UsageResponse> Usage(UsageRequest request, ServerCallContext context)
    {
        MembershipEntry[] hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true).WaitAsync(context.CancellationToken);
        string[] nodes = hosts.Select(h => h.SiloName).Distinct().Order(StringComparer.Ordinal).ToArray();
        NodeUsage[] usages = await Task.WhenAll(nodes.Select(async node =>
        {
            try
            {
                return UsageOf(await grains.GetGrain<INodeMemoryGrain>(node).GetUsageAsync().WaitAsync(context.CancellationToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return new NodeUsage { Node = node, Error = e.Message };
            }
        }));
        return new UsageResponse { Nodes = { usages } };
    }

    public override async Task<ListMembersResponse> ListMembers(ListMembersRequest request, ServerCallContext context)
    {
        MembershipEntry[] hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false).WaitAsync(context.CancellationToken);
        var response = new ListMembersResponse();
        foreach (MembershipEntry host in hosts.OrderBy(h => h.SiloName, StringComparer.Ordinal).ThenByDescending(h => h.SiloAddress.Generation))
        {
            response.Members.Add(new Member
            {
                Node = host.SiloName,
                Address = host.SiloAddress.Endpoint.ToString(),
                Status = host.Status.ToString(),
                Generation = host.SiloAddress.Generation,
                StartedAtMs = new DateTimeOffset(host.StartTime, TimeSpan.Zero).ToUnixTimeMilliseconds(),
                LastAliveMs = new DateTimeOffset(host.IAmAliveTime, TimeSpan.Zero).ToUnixTimeMilliseconds(),
            });
        }
        return response;
    }

    private static NodeUsage UsageOf(Mnemo.Grains.Interfaces.NodeUsage usage) => new()
    {
        Node = usage.NodeName,
        DeviceMode = usage.DeviceMode,
        CapacityBytes = usage.CapacityBytes,
        DataCapacityBytes = usage.DataCapacityBytes,
        UsedBytes = usage.UsedBytes,
        Items = usage.Items,
        SnapshotRetainedBytes = usage.SnapshotRetainedBytes,
        Regions =
        {
            usage.Regions.Select(r => new RegionUsage
            {
                Name = r.Name, Items = r.Items, ItemBytes = r.ItemBytes, UsedBytes = r.UsedBytes, Snapshots = r.Snapshots,
                SnapshotRetainedBytes = r.SnapshotRetainedBytes,
            }),
        },
    };
}
