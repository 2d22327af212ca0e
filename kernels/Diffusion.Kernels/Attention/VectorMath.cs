using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Kernels.Attention;

/// <summary>The dot product attention scores are made of, widest SIMD first (512, 256, 128 bits), scalar tail.
/// Callers guarantee the lengths; nothing here checks bounds.</summary>
internal static class VectorMath
{
    /// <summary>Sum of a[i] * b[i] for i &lt; length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float a, ref float b, int length)
    {
        var i = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; i <= length - 2 * Vector512<float>.Count; i += 2 * Vector512<float>.Count)
            {
                acc0 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Vector512.MultiplyAddEstimate(
                    Vector512.LoadUnsafe(ref a, (nuint)(i + Vector512<float>.Count)),
                    Vector512.LoadUnsafe(ref b, (nuint)(i + Vector512<float>.Count)), acc1);
            }

            if (i <= length - Vector512<float>.Count)
            {
                acc0 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref a, (nuint)i), Vector512.LoadUnsafe(ref b, (nuint)i), acc0);
                i += Vector512<float>.Count;
            }

            sum = HorizontalSum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i <= length - 2 * Vector256<float>.Count; i += 2 * Vector256<float>.Count)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                acc1 = Vector256.MultiplyAddEstimate(
                    Vector256.LoadUnsafe(ref a, (nuint)(i + Vector256<float>.Count)),
                    Vector256.LoadUnsafe(ref b, (nuint)(i + Vector256<float>.Count)), acc1);
            }

            if (i <= length - Vector256<float>.Count)
            {
                acc0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), acc0);
                i += Vector256<float>.Count;
            }

            sum = HorizontalSum(acc0 + acc1);
        }
        else if (Vector128.IsHardwareAccelerated && length >= Vector128<float>.Count)
        {
            var acc = Vector128<float>.Zero;
            for (; i <= length - Vector128<float>.Count; i += Vector128<float>.Count)
            {
                acc = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref a, (nuint)i), Vector128.LoadUnsafe(ref b, (nuint)i), acc);
            }

            sum = Vector128.Sum(acc);
        }

        for (; i < length; i++)
        {
            sum += Unsafe.Add(ref a, i) * Unsafe.Add(ref b, i);
        }

        return sum;
    }

    /// <summary>Sum of the lanes by halving (512 → 256 → 128 bits, then two shuffles): fewer steps than
    /// Vector512.Sum, which reduces each 256-bit half fully on its own. Attention pays this once per key.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector512<float> v) => HorizontalSum(v.GetLower() + v.GetUpper());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector256<float> v) => Vector128.Sum(v.GetLower() + v.GetUpper());
}
