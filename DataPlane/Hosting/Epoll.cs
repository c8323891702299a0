using System.Runtime.InteropServices;

namespace Mnemo.DataPlane;

/// <summary>The Linux epoll and eventfd calls <see cref="EventLoop"/> needs, straight from libc.</summary>
internal static unsafe partial class Epoll
{
    public const uint In = 0x001, Out = 0x004, Error = 0x008, HangUp = 0x010;
    private const int CtlAdd = 1, CtlDel = 2, CtlMod = 3;
    private const int CloseOnExec = 0x80000, NonBlocking = 0x800;
    private const int Interrupted = 4;

    /// <summary>struct epoll_event is packed on x86-64 (12 bytes) and naturally aligned elsewhere (16 bytes).</summary>
    public static readonly int EventSize = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    public static bool IsSupported => OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture is Architecture.X64 or Architecture.Arm64;

    public static int Create() => Check(epoll_create1(CloseOnExec), "epoll_create1");

    /// <summary>Watches <paramref name="fd"/> for <paramref name="events"/> (level-triggered), tagged with <paramref name="data"/>;
    /// modifies the watch when <paramref name="registered"/>, and removes it when no events are wanted.</summary>
    public static void Watch(int epoll, int fd, uint events, ulong data, bool registered)
    {
        byte* ev = stackalloc byte[16];
        *(uint*)ev = events;
        *(ulong*)(ev + EventSize - 8) = data;
        int op = events == 0 ? CtlDel : registered ? CtlMod : CtlAdd;
        Check(epoll_ctl(epoll, op, fd, ev), "epoll_ctl");
    }

    /// <summary>Waits for events into <paramref name="events"/> (room for <paramref name="capacity"/>); returns their count.</summary>
    public static int Wait(int epoll, byte* events, int capacity)
    {
        while (true)
        {
            int count = epoll_wait(epoll, events, capacity, -1);
            if (count >= 0)
                return count;
            if (Marshal.GetLastPInvokeError() != Interrupted)
                Check(count, "epoll_wait");
        }
    }

    public static (uint Events, ulong Data) Read(byte* events, int index)
    {
        byte* ev = events + index * EventSize;
        return (*(uint*)ev, *(ulong*)(ev + EventSize - 8));
    }

    public static int CreateEventFd() => Check(eventfd(0, CloseOnExec | NonBlocking), "eventfd");

    public static void Signal(int eventFd)
    {
        ulong one = 1;
        write(eventFd, &one, 8);
    }

    public static void Drain(int eventFd)
    {
        ulong value;
        read(eventFd, &value, 8);
    }

    public static void Close(int fd) => close(fd);

    private static int Check(int result, string call)
    {
        if (result < 0)
            throw new IOException($"{call} failed: errno {Marshal.GetLastPInvokeError()}");
        return result;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, byte* ev);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, byte* events, int maxEvents, int timeout);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initial, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, void* buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint read(int fd, void* buffer, nint count);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
