

namespace Diffusion.Lab.Traces;

/// <summary>The Zipf exponent of a rank-frequency list, fitted as scripts/derive-trace-params.py does.</summary>
public static class ZipfFit
{
    /// <summary>
    /// Minus the least-squares slope of log(count) on log(rank), counts sorted in descending order;
    /// null for fewer than three counts.
    /// </summary>
    public static double? LeastSquaresExponent(IEnumerable<int> counts)
    {
        var sorted = counts.OrderByDescending(c => c).ToArray();
        if (sorted.Length < 3)
        {
            return null;
        }

        if (sorted.Any(c => c <= 0))
        {
            throw new ArgumentException("Counts must be positive.", nameof(counts));
        }

        double meanX = 0, meanY = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            meanX += Math.Log(i + 1);
            meanY += Math.Log(sorted[i]);
        }

        meanX /= sorted.Length;
        meanY /= sorted.Length;
        double sxy = 0, sxx = 0;
        for (var i = 0; i < sorted.Length; i++)
        {
            var dx = Math.Log(i + 1) - meanX;
            sxy += dx * (Math.Log(sorted[i]) - meanY);
            sxx += dx * dx;
        }

        return -sxy / sxx + 0.0; // + 0.0 turns a flat fit's -0 into 0
    }
}
