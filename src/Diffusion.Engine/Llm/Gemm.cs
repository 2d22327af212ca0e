using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Diffusion.Engine.Llm;

/// <summary>
/// C[m,n] = A[m,k] · B[n,k]ᵀ + bias[n] (B in PyTorch's Linear layout [out,in]), register-blocked over
/// Vector256. Every element is summed in the same fixed order whatever its place in a tile or the
/// batch size, so a token's result does not depend on which other tokens share the batch: batched
/// and one-at-a-time runs (and recompute after preemption) give bit-identical outputs.
/// </summary>
public static class Gemm
{
    private const int TileRows = 4;
    private const int TileCols = 2;

    public static void MultiplyTransposed(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int n, int k)
    {
        if (a.Length < (long)m * k || b.Length < (long)n * k || c.Length < (long)m * n || (!bias.IsEmpty && bias.Length < n))
        {
            throw new ArgumentException($"GEMM operands too small for [{m},{k}]·[{n},{k}]ᵀ");
        }

        ref float ra = ref MemoryMarshal.GetReference(a);
        ref float rb = ref MemoryMarshal.GetReference(b);
        int fullRows = m - (m % TileRows);
        int fullCols = n - (n % TileCols);
        for (int i = 0; i < fullRows; i += TileRows)
        {
            for (int j = 0; j < fullCols; j += TileCols)
            {
                Tile(ref ra, ref rb, bias, c, i, j, n, k);
            }

            for (int r = i; r < i + TileRows; r++)
            {
                for (int j = fullCols; j < n; j++)
                {
                    c[(r * n) + j] = Element(ref ra, ref rb, bias, r, j, k);
                }
            }
        }

        for (int r = fullRows; r < m; r++)
        {
            for (int j = 0; j < n; j++)
            {
                c[(r * n) + j] = Element(ref ra, ref rb, bias, r, j, k);
            }
        }
    }

    /// <summary>Plain double-precision reference, for tests.</summary>
    public static void Reference(
        ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> bias, Span<float> c, int m, int n, int k)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = bias.IsEmpty ? 0 : bias[j];
                for (int t = 0; t < k; t++)
                {
                    sum += (double)a[(i * k) + t] * b[(j * k) + t];
                }

                c[(i * n) + j] = (float)sum;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(Vector256<float> acc, ref float ra, ref float rb, int rowA, int rowB, int k, ReadOnlySpan<float> bias, int j)
    {
        float sum = Vector256.Sum(acc);
        int tail = k - (k % Vector256<float>.Count);
        for (int t = tail; t < k; t++)
        {
            sum += Unsafe.Add(ref ra, (rowA * k) + t) * Unsafe.Add(ref rb, (rowB * k) + t);
        }

        return bias.IsEmpty ? sum : sum + bias[j];
    }

    private static float Element(ref float ra, ref float rb, ReadOnlySpan<float> bias, int i, int j, int k)
    {
        var acc = Vector256<float>.Zero;
        int vk = k - (k % Vector256<float>.Count);
        nuint ao = (nuint)(i * k), bo = (nuint)(j * k);
        for (int t = 0; t < vk; t += Vector256<float>.Count)
        {
            acc = Vector256.FusedMultiplyAdd(
                Vector256.LoadUnsafe(ref ra, ao + (nuint)t), Vector256.LoadUnsafe(ref rb, bo + (nuint)t), acc);
        }

        return Finish(acc, ref ra, ref rb, i, j, k, bias, j);
    }

    private static void Tile(ref float ra, ref float rb, ReadOnlySpan<float> bias, Span<float> c, int i, int j, int n, int k)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        int vk = k - (k % Vector256<float>.Count);
        nuint a0 = (nuint)(i * k), a1 = a0 + (nuint)k, a2 = a1 + (nuint)k, a3 = a2 + (nuint)k;
        nuint b0 = (nuint)(j * k), b1 = b0 + (nuint)k;
        for (int t = 0; t < vk; t += Vector256<float>.Count)
        {
            nuint o = (nuint)t;
            Vector256<float> vb0 = Vector256.LoadUnsafe(ref rb, b0 + o);
            Vector256<float> vb1 = Vector256.LoadUnsafe(ref rb, b1 + o);
            Vector256<float> va = Vector256.LoadUnsafe(ref ra, a0 + o);
            c00 = Vector256.FusedMultiplyAdd(va, vb0, c00);
            c01 = Vector256.FusedMultiplyAdd(va, vb1, c01);
            va = Vector256.LoadUnsafe(ref ra, a1 + o);
            c10 = Vector256.FusedMultiplyAdd(va, vb0, c10);
            c11 = Vector256.FusedMultiplyAdd(va, vb1, c11);
            va = Vector256.LoadUnsafe(ref ra, a2 + o);
            c20 = Vector256.FusedMultiplyAdd(va, vb0, c20);
            c21 = Vector256.FusedMultiplyAdd(va, vb1, c21);
            va = Vector256.LoadUnsafe(ref ra, a3 + o);
            c30 = Vector256.FusedMultiplyAdd(va, vb0, c30);
            c31 = Vector256.FusedMultiplyAdd(va, vb1, c31);
        }

        c[(i * n) + j] = Finish(c00, ref ra, ref rb, i, j, k, bias, j);
        c[(i * n) + j + 1] = Finish(c01, ref ra, ref rb, i, j + 1, k, bias, j + 1);
        c[((i + 1) * n) + j] = Finish(c10, ref ra, ref rb, i + 1, j, k, bias, j);
        c[((i + 1) * n) + j + 1] = Finish(c11, ref ra, ref rb, i + 1, j + 1, k, bias, j + 1);
        c[((i + 2) * n) + j] = Finish(c20, ref ra, ref rb, i + 2, j, k, bias, j);
        c[((i + 2) * n) + j + 1] = Finish(c21, ref ra, ref rb, i + 2, j + 1, k, bias, j + 1);
        c[((i + 3) * n) + j] = Finish(c30, ref ra, ref rb, i + 3, j, k, bias, j);
        c[((i + 3) * n) + j + 1] = Finish(c31, ref ra, ref rb, i + 3, j + 1, k, bias, j + 1);
    }
}
