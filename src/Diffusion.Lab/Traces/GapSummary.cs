

namespace Diffusion.Lab.Traces;

/// <summary>Summary of gaps between requests, in seconds.</summary>
public sealed record GapSummary(int Count, double MeanSeconds, double MedianSeconds, double Cv, IReadOnlyDictionary<string, double> QuantileSeconds)
{
    private static readonly double[] Reported = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99];

    /// <summary>Null for fewer than two gaps.</summary>
    public static GapSummary? Of(IEnumerable<double> gaps)
    {
        var sorted = gaps.OrderBy(g => g).ToArray();
        if (sorted.Length < 2)
        {
            return null;
        }

        var mean = sorted.Average();
        var variance = sorted.Sum(g => (g - mean) * (g - mean)) / (sorted.Length - 1);
        var quantiles = Reported.ToDictionary(q => $"p{(int)Math.Round(q * 100)}", q => Quantile(sorted, q));
        return new GapSummary(sorted.Length, mean, Quantile(sorted, 0.5), mean > 0 ? Math.Sqrt(variance) / mean : 0, quantiles);
    }

    /// <summary>Linear interpolation between closest ranks (numpy's default, as the script).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q)
    {
        var position = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(position);
        var hi = Math.Min(lo + 1, sorted.Count - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (position - lo);
    }
}
