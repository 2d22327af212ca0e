using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Traces;

/// <summary>
/// A distribution given by a quantile table (increasing levels from 0 to 1 and the value at each),
/// sampled by inverting it with linear interpolation between neighbouring levels.
/// </summary>
public sealed class EmpiricalDistribution
{
    private readonly double[] _levels;
    private readonly double[] _values;

    public EmpiricalDistribution(IReadOnlyList<double> levels, IReadOnlyList<double> values)
    {
        if (levels.Count < 2 || levels.Count != values.Count)
        {
            throw new ArgumentException("A quantile table needs at least two levels and one value per level.", nameof(values));
        }

        if (levels[0] != 0 || levels[^1] != 1)
        {
            throw new ArgumentException("A quantile table must run from level 0 to level 1.", nameof(levels));
        }

        for (var i = 1; i < levels.Count; i++)
        {
            if (!(levels[i] > levels[i - 1]))
            {
                throw new ArgumentException("Quantile levels must increase.", nameof(levels));
            }
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (!double.IsFinite(values[i]) || values[i] < 0 || (i > 0 && values[i] < values[i - 1]))
            {
                throw new ArgumentException("Quantile values must be finite, non-negative and non-decreasing.", nameof(values));
            }
        }

        _levels = levels.ToArray();
        _values = values.ToArray();
    }

    /// <summary>A table at evenly spaced levels 0, 1/(n−1), ..., 1.</summary>
    public static EmpiricalDistribution Even(IReadOnlyList<double> values) =>
        new(Enumerable.Range(0, values.Count).Select(i => (double)i / (values.Count - 1)).ToArray(), values);

    public double Median => Quantile(0.5);

    public double Quantile(double q)
    {
        q = Math.Clamp(q, 0, 1);
        var index = Array.BinarySearch(_levels, q);
        if (index >= 0)
        {
            return _values[index];
        }

        var hi = ~index; // first level above q; levels[0] = 0 <= q, so hi >= 1
        var lo = hi - 1;
        var t = (q - _levels[lo]) / (_levels[hi] - _levels[lo]);
        return _values[lo] + (_values[hi] - _values[lo]) * t;
    }

    public double Sample(TraceRandom random) => Quantile(random.NextDouble());
}
