using Microsoft.Win32.SafeHandles;

namespace Diffusion.Kernels.Faiss;

/// <summary>Owns one native dfaiss_index; freed exactly once, and never while a call is using it.</summary>
internal sealed class FaissIndexHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public FaissIndexHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        FaissNative.Free(handle);
        return true;
    }
}
