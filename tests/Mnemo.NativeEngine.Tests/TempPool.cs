using Mnemo.NativeEngine;

namespace Mnemo.NativeEngine.Tests;

/// <summary>A scratch folder (in DRAM under /dev/shm when the system has it) holding test pools; deleted on dispose.</summary>
internal sealed class TempPool : IDisposable
{
    public const ulong DefaultCapacity = 64UL << 20;

    public TempPool()
    {
        string root = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        Folder = Directory.CreateDirectory(Path.Combine(root, "mnemo-test-" + Guid.NewGuid().ToString("N"))).FullName;
        PoolPath = Path.Combine(Folder, "pool");
    }

    public string Folder { get; }

    public string PoolPath { get; }

    public PoolOptions Options(ulong capacity = DefaultCapacity, bool create = true, bool noEvict = false, uint itemSizeMax = 0) => new()
    {
        Path = PoolPath,
        Capacity = capacity,
        Mode = DeviceMode.Emulation,
        Create = create,
        NoEvict = noEvict,
        ItemSizeMax = itemSizeMax,
    };

    public EnginePool Open(ulong capacity = DefaultCapacity, bool create = true, bool noEvict = false, uint itemSizeMax = 0) =>
        EnginePool.Open(Options(capacity, create, noEvict, itemSizeMax));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A leftover scratch folder must not fail the test that used it.
        }
    }
}
