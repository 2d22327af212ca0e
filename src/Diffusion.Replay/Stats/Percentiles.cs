namespace Diffusion.Replay.Stats;

/// <summary>Nearest-rank percentiles (the service's own /v1/metrics uses the same rule).</summary>
public static class Percentiles
{
    /// <summary>The smallest value with at least <paramref name="p"/> of the values at or below it; null when there are none.</summary>
    /// <param name="sorted">Values in ascending order.</param>
    /// <param name="p">In [0, 1].</param>
    public static double? Of(IReadOnlyList<double> sorted, double p)
    {
        if (p is < 0 or > 1 || double.IsNaN(p))
            throw new ArgumentOutOfRangeException(nameof(p), p, "A percentile is a fraction between 0 and 1.");
        if (sorted.Count == 0) return null;
        // The tolerance keeps p·n that should be whole (0.29 × 100) from rounding up a rank.
        var rank = (int)Math.Ceiling(p * sorted.Count - 1e-9);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}
