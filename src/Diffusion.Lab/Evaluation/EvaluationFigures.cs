using Diffusion.Lab.Bench;

namespace Diffusion.Lab.Evaluation;

/// <summary>The arithmetic of one system's figures from its replay, kept apart so tests can check it on small cases.</summary>
public static class EvaluationFigures
{
    /// <param name="distances">Per request index, pixel distance and CLIP image cosine to the no-cache image (missing: not counted).</param>
    /// <param name="fullSteps">The steps of a full run; null: each record's own (a system that runs fewer steps names the full count).</param>
    public static SystemFigures Of(CacheSystem system, ReplayResult result, IReadOnlyDictionary<int, (double Pixel, double Cosine)> distances,
        int? fullSteps = null)
    {
        var measured = result.Records.Where(r => r.Measured).ToArray();
        var latencies = measured.Select(r => r.Latency.TotalSeconds).Order().ToArray();
        var near = measured.Where(r => distances.ContainsKey(r.Index)).Select(r => distances[r.Index]).ToArray();
        var cosines = near.Select(d => d.Cosine).Where(double.IsFinite).ToArray();
        return new SystemFigures
        {
            Description = system.Description,
            StepsSaved = Math.Round(StepsSaved(measured, fullSteps), 4),
            ModelCallsSaved = Math.Round(ModelCallsSaved(measured, fullSteps), 4),
            JudgeAccuracy = Math.Round(BenchFigures.Accuracy(measured), 4),
            JudgeChecks = measured.Sum(r => r.Checks.Count),
            ClipScore = Math.Round(BenchFigures.MeanClipScore(measured), 4),
            DistanceToNone = near.Length == 0 ? double.NaN : Math.Round(near.Average(d => d.Pixel), 4),
            ClipImageCosineToNone = cosines.Length == 0 ? double.NaN : Math.Round(cosines.Average(), 4),
            LatencyP50S = Math.Round(BenchFigures.Quantile(latencies, 0.5), 4),
            LatencyP95S = Math.Round(BenchFigures.Quantile(latencies, 0.95), 4),
            ThroughputRps = Math.Round(Throughput(measured), 4),
            HitRate = Math.Round(measured.Count(r => r.Hit) / (double)Math.Max(1, measured.Length), 4),
            HitsByK = measured.Where(r => r.Hit).GroupBy(r => r.StartStep).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
            JudgeMetrics = BenchFigures.MetricAccuracy(measured),
            Evictions = result.Evictions,
            MaxUsedBytes = result.MaxUsedBytes,
            ElapsedMinutes = Math.Round(result.Elapsed.TotalMinutes, 2),
            Latencies = latencies,
        };
    }

    /// <summary>Steps not run over the steps of full runs: a cache hit skips K (or all), a shorter schedule the difference.</summary>
    public static double StepsSaved(IReadOnlyCollection<ReplayRecord> records, int? fullSteps = null)
    {
        long run = records.Sum(r => (long)(r.Steps - r.StartStep));
        long full = records.Sum(r => (long)(fullSteps ?? r.Steps));
        return full == 0 ? 0 : 1 - (double)run / full;
    }

    /// <summary>UNet calls not made over the calls of full runs: the steps skipped, and the steps run on a reused output.</summary>
    public static double ModelCallsSaved(IReadOnlyCollection<ReplayRecord> records, int? fullSteps = null)
    {
        long called = records.Sum(r => (long)(r.Steps - r.StartStep - r.ReusedSteps));
        long full = records.Sum(r => (long)(fullSteps ?? r.Steps));
        return full == 0 ? 0 : 1 - (double)called / full;
    }

    /// <summary>Requests per second of busy time, from the first request's join to the last one's image; NaN when the window is empty.</summary>
    public static double Throughput(IReadOnlyCollection<ReplayRecord> records)
    {
        if (records.Count == 0)
        {
            return double.NaN;
        }
        var window = records.Max(r => r.FinishedAt) - records.Min(r => r.JoinedAt);
        return window > TimeSpan.Zero ? records.Count / window.TotalSeconds : double.NaN;
    }
}
