using Diffusion.Kernels.Faiss;

namespace Diffusion.Kernels.Tests.Faiss;

/// <summary>Brute-force k nearest neighbours in double precision: the ground truth FAISS is compared against.</summary>
internal static class ExactNeighbors
{
    public static (double[] Distances, long[] Ids) Search(
        float[] vectors, long[] ids, float[] queries, int dim, int k, FaissMetric metric)
    {
        var n = vectors.Length / dim;
        var q = queries.Length / dim;
        var distances = new double[q * k];
        var result = new long[q * k];
        var scored = new (double Distance, long Id)[n];
        for (var qi = 0; qi < q; qi++)
        {
            for (var i = 0; i < n; i++)
            {
                scored[i] = (Distance(vectors.AsSpan(i * dim, dim), queries.AsSpan(qi * dim, dim), metric), ids[i]);
            }

            // Best first: largest inner product, smallest squared L2.
            Array.Sort(scored, (a, b) => metric == FaissMetric.InnerProduct
                ? b.Distance.CompareTo(a.Distance)
                : a.Distance.CompareTo(b.Distance));
            for (var r = 0; r < k; r++)
            {
                distances[qi * k + r] = r < n ? scored[r].Distance : double.NaN;
                result[qi * k + r] = r < n ? scored[r].Id : -1;
            }
        }

        return (distances, result);
    }

    public static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b, FaissMetric metric)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += metric == FaissMetric.InnerProduct ? (double)a[i] * b[i] : Math.Pow((double)a[i] - b[i], 2);
        }

        return sum;
    }
}
