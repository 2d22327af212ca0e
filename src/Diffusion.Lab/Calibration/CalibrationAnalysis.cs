using Diffusion.Cache;
using Diffusion.Cache.Policy;

namespace Diffusion.Lab.Calibration;

/// <summary>Means over the pairs whose similarity falls in [Low, High).</summary>
public sealed record BucketRow(double Low, double High, int Pairs, double FullAccuracy, IReadOnlyList<BucketK> ByK);

/// <summary>At one K within a bucket: judge accuracy, pixel distance and CLIP image cosine to the target's full run.</summary>
public sealed record BucketK(int K, double Accuracy, double PixelDistance, double ImageCosine);

/// <summary>What the calibration found for one retrieval mode.</summary>
/// <param name="Table">The similarity→K table: derived from all pairs, every threshold raised by <paramref name="Margin"/>.</param>
/// <param name="Margin">The smallest raise of all thresholds that keeps the cross-validated accuracy drop within the tolerance.</param>
/// <param name="CrossValidatedStepsSaved">Steps saved on each half of the pairs by the table derived from the other half (plus the margin), as a fraction of all steps.</param>
/// <param name="CrossValidatedAccuracyDrop">Full-run accuracy minus accuracy with those tables, on the same held-out halves.</param>
/// <param name="RankCorrelation">Spearman correlation of similarity with the K=max run's CLIP image cosine to the full run: how well the similarity predicts closeness.</param>
public sealed record ModeAnalysis(RetrievalMode Mode, SimilarityKTable Table, double Margin, IReadOnlyList<BucketRow> Buckets,
    double CrossValidatedStepsSaved, double CrossValidatedAccuracyDrop, double RankCorrelation);

/// <summary>
/// Turns measured pairs into similarity→K tables. For each K, the threshold is the lowest similarity t such that,
/// for t and every higher t' (each resting on at least MinPairs pairs), the pairs above t' run from K keep their
/// judge accuracy within Tolerance of the target's full runs — all of them together, and the least similar of them
/// (a window of WindowPairs, or WindowShare of the pairs) on their own. Larger K never gets a lower threshold. Two-fold
/// cross-validation then finds the smallest margin to add to every threshold so that tables derived on one half keep
/// the other half within the tolerance; the mode saving more held-out steps at that equal quality is chosen. Given the
/// similarities of traffic (<see cref="CalibrationOptions.Traffic"/>), every sum over pairs is weighted to them, so the
/// checks and the held-out drop speak for that traffic.
/// </summary>
public static class CalibrationAnalysis
{
    private const double GridStep = 0.005;
    private const double MaxMargin = 0.5;

    public static IReadOnlyList<ModeAnalysis> Analyse(IReadOnlyList<CalibrationPair> pairs, CalibrationOptions options) =>
        RetrievalModes.All.Select(mode => AnalyseMode(pairs, mode, options)).ToArray();

    /// <summary>The better mode and why, in one sentence.</summary>
    public static (RetrievalMode Mode, string Reason) Choose(IReadOnlyList<ModeAnalysis> modes, double tolerance)
    {
        // every mode's figures are at its own margin, i.e. at equal held-out quality (drop within the tolerance); a mode whose
        // table from all the pairs is empty never reuses anything in service, whatever its half-set tables saved
        var best = modes.OrderByDescending(m => m.Table.Thresholds.Count > 0)
            .ThenByDescending(m => Math.Round(m.CrossValidatedStepsSaved, 3)).ThenByDescending(m => m.RankCorrelation).First();
        var tie = modes.Count(m => Math.Round(m.CrossValidatedStepsSaved, 3) == Math.Round(best.CrossValidatedStepsSaved, 3)) > 1;
        var why = best.Table.Thresholds.Count > 0 && modes.Any(m => m.Table.Thresholds.Count == 0)
            ? "the other mode's table from all the pairs qualifies no K, so it would never reuse a latent"
            : tie
            ? "both modes save as many held-out steps within the accuracy tolerance; its similarity ranks the runs' closeness to the full run better"
            : "at equal quality (held-out accuracy drop within the tolerance) it saves more denoising steps on held-out pairs";
        var figures = string.Join("; ", modes.Select(m =>
            $"{m.Mode.ToName()}: {m.CrossValidatedStepsSaved:P1} steps saved, accuracy drop {m.CrossValidatedAccuracyDrop:+0.000;-0.000;0.000} at margin {m.Margin:0.000}, Spearman {m.RankCorrelation:0.00}"));
        return (best.Mode, $"{best.Mode.ToName()}: {why} ({figures}).");
    }

    public static ModeAnalysis AnalyseMode(IReadOnlyList<CalibrationPair> pairs, RetrievalMode mode, CalibrationOptions options)
    {
        if (options.Traffic is { } traffic && traffic.RetrievalMode == mode)
        {
            pairs = traffic.Weigh(pairs, options.BucketWidth);
        }
        var usable = pairs.Where(p => double.IsFinite(p.SimilarityFor(mode))).ToArray();
        var even = usable.Where((_, i) => i % 2 == 0).ToArray();
        var odd = usable.Where((_, i) => i % 2 == 1).ToArray();
        var fromEven = DeriveTable(even, mode, options);
        var fromOdd = DeriveTable(odd, mode, options);
        var n = usable.Length;
        var (margin, saved, drop) = (MaxMargin, 0.0, 0.0);
        for (var m = 0.0; m <= MaxMargin + 1e-9; m += GridStep)
        {
            var (savedOdd, dropOdd) = Evaluate(Raise(fromEven, m), odd, mode);
            var (savedEven, dropEven) = Evaluate(Raise(fromOdd, m), even, mode);
            var s = n == 0 ? 0 : (savedOdd * odd.Length + savedEven * even.Length) / n;
            var d = n == 0 ? 0 : (dropOdd * odd.Length + dropEven * even.Length) / n;
            if (d <= options.Tolerance + 1e-12)
            {
                (margin, saved, drop) = (Math.Round(m, 3), s, d);
                break;
            }
        }
        var maxK = options.CachePoints.Max();
        var correlation = Spearman(usable.Select(p => p.SimilarityFor(mode)).ToArray(), usable.Select(p => p.At(maxK).ImageCosine).ToArray());
        return new ModeAnalysis(mode, Raise(DeriveTable(usable, mode, options), margin), margin, Buckets(usable, mode, options), saved, drop, correlation);
    }

    /// <summary>Every threshold raised by <paramref name="margin"/>; rows that can no longer be exceeded (≥ 1) are dropped.</summary>
    public static SimilarityKTable Raise(SimilarityKTable table, double margin) =>
        new(table.Thresholds.Select(t => t with { MinSimilarity = Math.Round(t.MinSimilarity + margin, 3) }).Where(t => t.MinSimilarity < 1).ToArray());

    /// <summary>The table for one mode from the given pairs (see the class summary for the rule).</summary>
    public static SimilarityKTable DeriveTable(IReadOnlyList<CalibrationPair> pairs, RetrievalMode mode, CalibrationOptions options)
    {
        var rows = new List<SimilarityThreshold>();
        var floor = double.NegativeInfinity;
        foreach (var k in options.CachePoints.Order())
        {
            if (Threshold(pairs, mode, k, options) is not { } threshold)
            {
                // a larger K needs at least this one's similarity: none is allowed either
                break;
            }
            floor = Math.Max(floor, threshold);
            rows.Add(new SimilarityThreshold(Math.Round(floor, 3), k));
        }
        return new SimilarityKTable(rows);
    }

    /// <summary>Steps saved (fraction of the reference run) and accuracy drop when <paramref name="table"/> decides every pair.</summary>
    public static (double StepsSaved, double AccuracyDrop) Evaluate(SimilarityKTable table, IReadOnlyList<CalibrationPair> pairs, RetrievalMode mode)
    {
        if (pairs.Count == 0)
        {
            return (0, 0);
        }
        double saved = 0, weights = 0, passed = 0, checks = 0, fullPassed = 0, fullChecks = 0;
        foreach (var pair in pairs)
        {
            var w = pair.Weight;
            var k = table.KFor(pair.SimilarityFor(mode));
            saved += w * k;
            weights += w;
            fullPassed += w * pair.FullPassed;
            fullChecks += w * pair.FullChecks;
            var (p, c) = k > 0 && pair.At(k) is var outcome ? (outcome.Passed, outcome.Checks) : (pair.FullPassed, pair.FullChecks);
            passed += w * p;
            checks += w * c;
        }
        return (weights == 0 ? 0 : saved / (50.0 * weights), Ratio(fullPassed, fullChecks) - Ratio(passed, checks));
    }

    private static double? Threshold(IReadOnlyList<CalibrationPair> pairs, RetrievalMode mode, int k, CalibrationOptions options)
    {
        double? accepted = null;
        var windowSize = options.WindowFor(pairs.Count);
        // sorted once: the pairs above any t are a suffix, and its first windowSize pairs are the window
        var ascending = pairs.OrderBy(p => p.SimilarityFor(mode)).ToArray();
        var first = ascending.Length;
        for (var t = 1.0 - GridStep; t >= -1.0; t -= GridStep)
        {
            while (first > 0 && ascending[first - 1].SimilarityFor(mode) > t)
            {
                first--;
            }
            var above = new ArraySegment<CalibrationPair>(ascending, first, ascending.Length - first);
            if (above.Count < options.MinPairs)
            {
                continue;
            }
            var window = above[..Math.Min(windowSize, above.Count)];
            if (!KeepsAccuracy(above, k, options.Tolerance) || !KeepsAccuracy(window, k, options.Tolerance))
            {
                break;
            }
            accepted = t;
            if (above.Count == pairs.Count)
            {
                break; // lower thresholds add no pairs
            }
        }
        return accepted;
    }

    /// <summary>Whether the pairs run from K pass the judge within <paramref name="tolerance"/> of their full runs (true for none).</summary>
    private static bool KeepsAccuracy(IReadOnlyList<CalibrationPair> pairs, int k, double tolerance)
    {
        var full = Ratio(pairs.Sum(p => p.Weight * p.FullPassed), pairs.Sum(p => p.Weight * p.FullChecks));
        var atK = Ratio(pairs.Sum(p => p.Weight * p.At(k).Passed), pairs.Sum(p => p.Weight * p.At(k).Checks));
        return atK >= full - tolerance - 1e-12;
    }

    private static IReadOnlyList<BucketRow> Buckets(IReadOnlyList<CalibrationPair> pairs, RetrievalMode mode, CalibrationOptions options)
    {
        if (pairs.Count == 0)
        {
            return [];
        }
        var width = options.BucketWidth;
        var low = Math.Floor(pairs.Min(p => p.SimilarityFor(mode)) / width) * width;
        var count = Math.Max(1, (int)Math.Ceiling((1.0 - low) / width - 1e-9));
        var rows = new List<BucketRow>();
        for (var b = 0; b < count; b++)
        {
            var start = low + b * width;
            var last = b == count - 1;
            // [start, start + width); the last bucket also takes everything above (similarity 1.0)
            var inside = pairs.Where(p =>
            {
                var index = Math.Min(count - 1, (int)Math.Floor((p.SimilarityFor(mode) - low) / width + 1e-9));
                return index == b;
            }).ToArray();
            if (inside.Length == 0)
            {
                continue;
            }
            var byK = options.CachePoints.Order().Select(k => new BucketK(k,
                Ratio(inside.Sum(p => (long)p.At(k).Passed), inside.Sum(p => (long)p.At(k).Checks)),
                inside.Average(p => p.At(k).PixelDistance),
                inside.Average(p => p.At(k).ImageCosine))).ToArray();
            rows.Add(new BucketRow(Math.Round(start, 3), last ? 1.0 : Math.Round(start + width, 3), inside.Length,
                Ratio(inside.Sum(p => (long)p.FullPassed), inside.Sum(p => (long)p.FullChecks)), byK));
        }
        return rows;
    }

    private static double Ratio(double a, double b) => b == 0 ? 0 : a / b;

    /// <summary>Spearman's rank correlation (average ranks for ties); 0 when undefined.</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count < 3)
        {
            return 0;
        }
        var rx = Ranks(x);
        var ry = Ranks(y);
        var mx = rx.Average();
        var my = ry.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < rx.Length; i++)
        {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && values[order[j + 1]] == values[order[i]])
            {
                j++;
            }
            for (var m = i; m <= j; m++)
            {
                ranks[order[m]] = (i + j) / 2.0;
            }
            i = j + 1;
        }
        return ranks;
    }
}
