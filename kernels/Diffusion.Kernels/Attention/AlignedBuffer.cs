using System.Runtime.CompilerServices;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// Float buffers starting on a 64-byte (cache line) boundary. A 512-bit load that straddles two lines costs about
/// twice as much, so unaligned K/V pools run measurably slower, and two kernels timed on buffers of different
/// alignment compare unfairly. Callers owning a KV pool should allocate it this way too.
/// </summary>
public static class AlignedBuffer
{
    public const int Alignment = 64;

    /// <summary>Zeroed memory of <paramref name="length"/> floats on the pinned object heap, 64-byte aligned.</summary>
    public static unsafe Memory<float> Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        const int slack = Alignment / sizeof(float);
        // Pinned, so the address (and so the alignment) never changes.
        var array = GC.AllocateArray<float>(length + slack, pinned: true);
        var address = (nint)Unsafe.AsPointer(ref array[0]);
        var offset = (int)((Alignment - (address % Alignment)) % Alignment) / sizeof(float);
        return array.AsMemory(offset, length);
    }
}
