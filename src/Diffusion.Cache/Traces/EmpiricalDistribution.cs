namespace Diffusion.Cache.Traces;

/// <summary>
/// A distribution given by an evenly spaced quantile table (0th, 1st, ..., 100th percentile),
/// sampled by inverting it with linear interpolation between neighbouring quantiles.
/// </summary>
public sealed class EmpiricalDistribution
{
    private readonly double[] _quantiles;

    public EmpiricalDistribution(IReadOnlyList<double> quantiles)
    {
        if (quantiles.Count < 2)
        {
            throw new ArgumentException("A quantile table needs at least two entries.", nameof(quantiles));
        }

        for (var i = 0; i < quantiles.Count; i++)
        {
            if (!double.IsFinite(quantiles[i]) || quantiles[i] < 0 || (i > 0 && quantiles[i] < quantiles[i - 1]))
            {
                throw new ArgumentException("A quantile table must be finite, non-negative and non-decreasing.", nameof(quantiles));
            }
        }

        _quantiles = quantiles.ToArray();
    }

    public double Median => Quantile(0.5);

    public double Quantile(double q)
    {
        var position = Math.Clamp(q, 0, 1) * (_quantiles.Length - 1);
        var lo = (int)Math.Floor(position);
        var hi = Math.Min(lo + 1, _quantiles.Length - 1);
        return _quantiles[lo] + (_quantiles[hi] - _quantiles[lo]) * (position - lo);
    }

    public double Sample(TraceRandom random) => Quantile(random.NextDouble());
}
