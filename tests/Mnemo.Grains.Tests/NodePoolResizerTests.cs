using System.Text;
using Mnemo.Grains.Interfaces;
using Mnemo.NativeEngine;

namespace Mnemo.Grains.Tests;

/// <summary>A MemoryMachine's target applied to a real pool: it grows live keeping its items, and what a pool cannot do live
/// (a shrink, below use or not, a device mode or pool path change) is refused with its reason while the pool stays as it was.</summary>
public sealed class NodePoolResizerTests : IDisposable
{
    private const long Mi = 1L << 20;
    private readonly string _path = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"mnemo-resizer-{Guid.NewGuid():N}.pool");
    private readonly NodePool _node;

    public NodePoolResizerTests() =>
        _node = new NodePool("node-x", EnginePool.Open(new PoolOptions { Path = _path, Capacity = 16UL << 20, Mode = DeviceMode.Emulation, Create = true }));

    public void Dispose()
    {
        _node.Dispose();
        File.Delete(_path);
    }

    [Fact]
    public void A_larger_capacity_grows_the_pool_keeping_its_items_and_the_same_one_is_ready_as_it_is()
    {
        Region region = _node.Pool.CreateRegion("r");
        for (int i = 0; i < 2000; i++)
            Assert.Equal(EngineStatus.Ok, _node.Pool.Store(region, StoreMode.Set, Encoding.ASCII.GetBytes($"k{i}"), new byte[1000], 0, 0, out _));

        NodePoolState same = NodePoolResizer.Apply(_node, new NodePoolTarget(16 * Mi, null, "emulation"));
        Assert.Equal((true, NodePoolResizer.Ready, 16 * Mi), (same.Ready, same.Reason, same.Capacity));

        NodePoolState grown = NodePoolResizer.Apply(_node, new NodePoolTarget(48 * Mi, null, "emulation"));
        Assert.Equal((true, NodePoolResizer.Grown, 48 * Mi, 1, "emulation"), (grown.Ready, grown.Reason, grown.Capacity, grown.Regions, grown.DeviceMode));
        Assert.Equal(48UL * (1 << 20), _node.Pool.GetStats().Capacity);
        Assert.Equal(2000UL, _node.Pool.GetStats().Items);

        // A percentage is of the filesystem holding the pool file.
        long device = new DriveInfo(Path.GetDirectoryName(_path)!).TotalSize;
        NodePoolState percent = NodePoolResizer.Apply(_node, new NodePoolTarget(null, 1, "emulation"));
        Assert.Equal(Math.Max(48 * Mi, device / 100), percent.Capacity);
    }

    [Fact]
    public void A_shrink_is_refused_below_use_and_above_it_and_the_pool_keeps_its_size()
    {
        Region region = _node.Pool.CreateRegion("r");
        for (int i = 0; i < 4000; i++)
            Assert.Equal(EngineStatus.Ok, _node.Pool.Store(region, StoreMode.Set, Encoding.ASCII.GetBytes($"k{i}"), new byte[1000], 0, 0, out _));
        long used = (long)_node.Pool.GetStats().BytesUsed;

        NodePoolState below = NodePoolResizer.Apply(_node, new NodePoolTarget(Mi, null, "emulation"));
        Assert.Equal((false, NodePoolResizer.ShrinkBelowUsed, 16 * Mi, used), (below.Ready, below.Reason, below.Capacity, below.Used));
        Assert.Contains($"{used} bytes are in use", below.Message);

        NodePoolState above = NodePoolResizer.Apply(_node, new NodePoolTarget(used + Mi, null, "emulation"));
        Assert.Equal((false, NodePoolResizer.ShrinkUnsupported, 16 * Mi), (above.Ready, above.Reason, above.Capacity));
        Assert.Equal(4000UL, _node.Pool.GetStats().Items);
    }

    [Fact]
    public void Another_device_mode_is_refused_on_a_pool_with_data_and_needs_a_restart_on_an_empty_one()
    {
        NodePoolState empty = NodePoolResizer.Apply(_node, new NodePoolTarget(16 * Mi, null, "fsdax"));
        Assert.Equal((false, NodePoolResizer.DeviceModeChangeNeedsRestart, "emulation"), (empty.Ready, empty.Reason, empty.DeviceMode));
        Assert.Contains("--device-mode fsdax", empty.Message);

        _node.Pool.CreateRegion("r");
        NodePoolState holding = NodePoolResizer.Apply(_node, new NodePoolTarget(64 * Mi, null, "fsdax"));
        Assert.Equal((false, NodePoolResizer.DeviceModeChangeRefused, 16 * Mi), (holding.Ready, holding.Reason, holding.Capacity));
    }

    [Fact]
    public void Another_pool_path_is_refused_on_a_pool_with_data_and_needs_a_restart_on_an_empty_one_while_the_same_one_is_ready()
    {
        string folder = Path.GetDirectoryName(_path)!;
        NodePoolState same = NodePoolResizer.Apply(_node, new NodePoolTarget(16 * Mi, null, "emulation", folder + "/"));
        Assert.Equal((true, NodePoolResizer.Ready), (same.Ready, same.Reason));

        NodePoolState empty = NodePoolResizer.Apply(_node, new NodePoolTarget(16 * Mi, null, "emulation", "/mnt/pmem1/mnemo"));
        Assert.Equal((false, NodePoolResizer.PoolPathChangeNeedsRestart), (empty.Ready, empty.Reason));
        Assert.Equal($"node node-x's pool is in {folder}; /mnt/pmem1/mnemo takes a silo restart with --pool-path in /mnt/pmem1/mnemo", empty.Message);

        Region region = _node.Pool.CreateRegion("r");
        Assert.Equal(EngineStatus.Ok, _node.Pool.Store(region, StoreMode.Set, Encoding.ASCII.GetBytes("k"), new byte[100], 0, 0, out _));
        NodePoolState holding = NodePoolResizer.Apply(_node, new NodePoolTarget(64 * Mi, null, "emulation", "/mnt/pmem1/mnemo"));
        Assert.Equal((false, NodePoolResizer.PoolPathChangeRefused, 16 * Mi), (holding.Ready, holding.Reason, holding.Capacity));
        Assert.Equal($"node node-x's pool is in {folder} and holds 1 regions (1 items); it is not moved to /mnt/pmem1/mnemo", holding.Message);

        // The pool keeps serving where it is.
        Assert.Equal(EngineStatus.Ok, _node.Pool.Store(region, StoreMode.Set, Encoding.ASCII.GetBytes("k2"), new byte[100], 0, 0, out _));
        Assert.Equal(2UL, _node.Pool.GetStats().Items);
    }
}
