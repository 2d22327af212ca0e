using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// Softmax's exponential pass, fused: x[i] = exp(x[i] - shift) in place, returning the sum. Written here rather than
/// taken from TensorPrimitives so the whole kernel is compiled optimised at once (no slow first calls while a
/// library method waits for tiered JIT) and the three passes (subtract, exp, sum) become one.
/// Method: exp(y) = 2^n · e^r with n = round(y / ln 2), r = y − n·ln 2 (split in two constants for precision),
/// e^r by its degree-6 Taylor polynomial (|r| ≤ ln2/2, error below 2e-7 relative). Inputs below −87 are clamped
/// there (result ≈ 1e-38 instead of 0, harmless in a softmax) so 2^n stays a normal float.
/// </summary>
internal static class VectorExp
{
    private const float Log2E = 1.44269504f;
    private const float Ln2High = 0.693359375f;
    private const float Ln2Low = -2.12194440e-4f;
    private const float MinInput = -87f;
    private const float MaxInput = 88f;
    private const float C2 = 1f / 2;
    private const float C3 = 1f / 6;
    private const float C4 = 1f / 24;
    private const float C5 = 1f / 120;
    private const float C6 = 1f / 720;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ExpShiftedInPlace(ref float x, int length, float shift)
    {
        var i = 0;
        var sum = 0f;
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            var shiftV = Vector512.Create(shift);
            var total = Vector512<float>.Zero;
            for (; i <= length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var e = Exp(Vector512.LoadUnsafe(ref x, (nuint)i) - shiftV);
                e.StoreUnsafe(ref x, (nuint)i);
                total += e;
            }

            sum = Vector512.Sum(total);
        }
        else if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            var shiftV = Vector256.Create(shift);
            var total = Vector256<float>.Zero;
            for (; i <= length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var e = Exp(Vector256.LoadUnsafe(ref x, (nuint)i) - shiftV);
                e.StoreUnsafe(ref x, (nuint)i);
                total += e;
            }

            sum = Vector256.Sum(total);
        }

        for (; i < length; i++)
        {
            ref var value = ref Unsafe.Add(ref x, i);
            value = MathF.Exp(value - shift);
            sum += value;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Exp(Vector512<float> y)
    {
        y = Vector512.Min(Vector512.Max(y, Vector512.Create(MinInput)), Vector512.Create(MaxInput));
        var n = Vector512.Round(y * Vector512.Create(Log2E));
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2High), y);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-Ln2Low), r);
        var p = Vector512.MultiplyAddEstimate(Vector512.Create(C6), r, Vector512.Create(C5));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(C4));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(C3));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(C2));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512<float>.One);
        var twoToN = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return p * twoToN;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(Vector256<float> y)
    {
        y = Vector256.Min(Vector256.Max(y, Vector256.Create(MinInput)), Vector256.Create(MaxInput));
        var n = Vector256.Round(y * Vector256.Create(Log2E));
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2High), y);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-Ln2Low), r);
        var p = Vector256.MultiplyAddEstimate(Vector256.Create(C6), r, Vector256.Create(C5));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(C4));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(C3));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(C2));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256<float>.One);
        var twoToN = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return p * twoToN;
    }
}
