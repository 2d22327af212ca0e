

namespace Diffusion.Lab.Bench;

/// <summary>The arithmetic of the bench's figures, kept apart so tests can check it on small cases.</summary>
public static class BenchFigures
{
    /// <summary>Fraction of the requested denoising steps skipped by hits.</summary>
    public static double StepsSaved(IEnumerable<ReplayRecord> records)
    {
        long saved = 0, total = 0;
        foreach (var r in records)
        {
            saved += r.StartStep;
            total += r.Steps;
        }
        return total == 0 ? 0 : (double)saved / total;
    }

    /// <summary>Median UNet iterations (steps − K) over median requested steps; NaN when empty.</summary>
    public static double IterationsP50Ratio(IReadOnlyCollection<ReplayRecord> records) =>
        Quantile(records.Select(r => (double)(r.Steps - r.StartStep)), 0.5) / Quantile(records.Select(r => (double)r.Steps), 0.5);

    /// <summary>The share of requests that started from a cached latent; 0 when empty.</summary>
    public static double HitRate(IReadOnlyCollection<ReplayRecord> records) => records.Count(r => r.Hit) / (double)Math.Max(1, records.Count);

    /// <summary>Hits by the K they started at, in K order.</summary>
    public static IReadOnlyDictionary<int, int> HitsByK(IEnumerable<ReplayRecord> records) =>
        records.Where(r => r.Hit).GroupBy(r => r.StartStep).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>The q-quantile (0..1) by linear interpolation between order statistics; NaN when empty.</summary>
    public static double Quantile(IEnumerable<double> values, double q)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }

    /// <summary>
    /// Standard error of the quality drop (accuracy off − on) over requests: the drop is a sum of per-request differences
    /// in checks passed (each request scored in both runs), so its error is √n times their standard deviation over all
    /// checks. 0 when fewer than two requests pair up.
    /// </summary>
    public static double QualityDropStandardError(IReadOnlyList<ReplayRecord> on, IReadOnlyList<ReplayRecord> off)
    {
        var offByIndex = off.ToDictionary(r => r.Index);
        var differences = on.Where(r => offByIndex.ContainsKey(r.Index))
            .Select(r => (double)(offByIndex[r.Index].Checks.Count(c => c.Value) - r.Checks.Count(c => c.Value))).ToArray();
        var checks = on.Where(r => offByIndex.ContainsKey(r.Index)).Sum(r => offByIndex[r.Index].Checks.Count);
        if (differences.Length < 2 || checks == 0)
        {
            return 0;
        }
        var mean = differences.Average();
        var variance = differences.Sum(d => (d - mean) * (d - mean)) / (differences.Length - 1);
        return Math.Sqrt(differences.Length * variance) / checks;
    }

    /// <summary>The share of all judge checks passed.</summary>
    public static double Accuracy(IEnumerable<ReplayRecord> records) => Scoring.SceneJudge.Accuracy(records.Select(r => r.Checks));

    /// <summary>Per metric, the share passed.</summary>
    public static IReadOnlyDictionary<string, double> MetricAccuracy(IEnumerable<ReplayRecord> records) =>
        records.SelectMany(r => r.Checks).GroupBy(kv => kv.Key).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => Math.Round(g.Count(kv => kv.Value) / (double)g.Count(), 4));

    /// <summary>
    /// p99 over requests of (embed + search + load) of the cache-on run over the same request's full
    /// generation time in the cache-off run.
    /// </summary>
    public static double LookupOverhead(IReadOnlyList<ReplayRecord> on, IReadOnlyList<ReplayRecord> off)
    {
        var offByIndex = off.ToDictionary(r => r.Index);
        return Quantile(on.Where(r => offByIndex.ContainsKey(r.Index) && offByIndex[r.Index].Latency > TimeSpan.Zero)
            .Select(r => r.LookupOverhead / offByIndex[r.Index].Latency), 0.99);
    }

    public static double MeanClipScore(IEnumerable<ReplayRecord> records)
    {
        var scores = records.Select(r => r.ClipScore).Where(double.IsFinite).ToArray();
        return scores.Length == 0 ? double.NaN : scores.Average();
    }
}
