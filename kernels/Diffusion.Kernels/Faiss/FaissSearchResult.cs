namespace Diffusion.Kernels.Faiss;

/// <summary>The k nearest neighbours of each query, row-major: query q's results are at [q*K, (q+1)*K),
/// best first. Missing neighbours (fewer than K vectors) have id -1. Distances are inner products
/// (descending) or squared L2 distances (ascending), per the index's metric.</summary>
public sealed class FaissSearchResult
{
    public FaissSearchResult(int queryCount, int k, float[] distances, long[] ids)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queryCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        if (distances.Length != queryCount * k || ids.Length != queryCount * k)
        {
            throw new ArgumentException($"distances and ids must hold {queryCount} x {k} entries");
        }

        QueryCount = queryCount;
        K = k;
        Distances = distances;
        Ids = ids;
    }

    public int QueryCount { get; }

    public int K { get; }

    public float[] Distances { get; }

    public long[] Ids { get; }

    public ReadOnlySpan<long> IdsOf(int query) => Ids.AsSpan(RowStart(query), K);

    public ReadOnlySpan<float> DistancesOf(int query) => Distances.AsSpan(RowStart(query), K);

    private int RowStart(int query)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(query);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(query, QueryCount);
        return query * K;
    }
}
