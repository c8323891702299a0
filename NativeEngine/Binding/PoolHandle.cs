using System.Runtime.InteropServices;

namespace Mnemo.NativeEngine;

/// <summary>
/// Owns a <c>mnemo_pool*</c>. Every call takes a reference on the handle, so the pool is closed only
/// after calls already in flight return, and calls after disposal throw <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed class PoolHandle : SafeHandle
{
    public PoolHandle()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        NativeMethods.PoolClose(handle);
        return true;
    }
}
