using Diffusion.Cache.Policy;
using Diffusion.Lab.Calibration;

namespace Diffusion.Lab.Tests.Calibration;

/// <summary>The table rule and mode choice on synthetic measurements where the right answer is known.</summary>
public sealed class CalibrationAnalysisTests
{
    private static readonly CalibrationOptions Options = new() { Tolerance = 0.02, MinPairs = 3 };

    /// <summary>
    /// A pair at prompt similarity s whose run from K passes all 4 checks when s ≥ the K's "safe" similarity and
    /// 1 of 4 below it (full runs always pass 4 of 4). Image similarity is a fixed shuffle, unrelated to quality.
    /// </summary>
    private static CalibrationPair Pair(double similarity, double imageSimilarity, IReadOnlyDictionary<int, double> safe) =>
        new("s", "t", PairRelation.Edit, 1, similarity, imageSimilarity, 4, 4,
            safe.Select(kv => new KOutcome(kv.Key, similarity >= kv.Value ? 4 : 1, 4, 1 - similarity, similarity)).ToArray());

    private static readonly Dictionary<int, double> Safe = new() { [5] = 0.60, [10] = 0.70, [15] = 0.80, [20] = 0.85, [25] = 0.92 };

    private static IReadOnlyList<CalibrationPair> Pairs()
    {
        var random = new Random(1);
        return Enumerable.Range(0, 200).Select(i =>
        {
            var s = 0.40 + 0.6 * i / 199.0;
            return Pair(s, random.NextDouble(), Safe);
        }).OrderBy(_ => random.Next()).ToArray();
    }

    [Fact]
    public void Each_K_gets_the_lowest_similarity_above_which_accuracy_holds()
    {
        var table = CalibrationAnalysis.DeriveTable(Pairs(), RetrievalMode.PromptToPrompt, Options);
        Assert.Equal([25, 20, 15, 10, 5], table.Thresholds.Select(t => t.K));
        foreach (var row in table.Thresholds)
        {
            // just below the safe similarity: the grid step and the sampled similarities put it within 0.01
            Assert.InRange(row.MinSimilarity, Safe[row.K] - 0.01, Safe[row.K]);
        }
        Assert.Equal(25, table.KFor(0.95));
        Assert.Equal(15, table.KFor(0.82));
        Assert.Equal(0, table.KFor(0.5));
    }

    [Fact]
    public void A_low_similarity_band_cannot_hide_behind_many_close_pairs()
    {
        // 150 close pairs where K 15 is safe, and 4 distant ones (cosine 0.30–0.33) where it fails: together the
        // drop is within the tolerance (12 of 616 checks), but those 4 are all the traffic a 0.3 threshold adds
        var safe = new Dictionary<int, double> { [5] = 0.0, [10] = 0.0, [15] = 0.5, [20] = 2, [25] = 2 };
        var pairs = Enumerable.Range(0, 150).Select(i => Pair(0.9 + 0.1 * i / 149.0, 0, safe))
            .Concat(Enumerable.Range(0, 4).Select(i => Pair(0.30 + 0.01 * i, 0, safe))).ToArray();

        var windowed = CalibrationAnalysis.DeriveTable(pairs, RetrievalMode.PromptToPrompt, Options with { WindowPairs = 48 });
        Assert.True(windowed.KFor(0.305) < 15, windowed.ToString());
        Assert.Equal(15, windowed.KFor(0.95));

        var cumulativeOnly = CalibrationAnalysis.DeriveTable(pairs, RetrievalMode.PromptToPrompt, Options with { WindowPairs = 0 });
        Assert.Equal(15, cumulativeOnly.KFor(0.305));
    }

    [Theory]
    [InlineData(null, 0.25, 768, 192)]
    [InlineData(null, 0.25, 40, 24)] // never fewer than a threshold rests on
    [InlineData(48, 0.25, 768, 48)]  // a count overrides the share
    [InlineData(0, 0.25, 768, 0)]    // off
    public void The_window_is_a_share_of_the_pairs_unless_a_count_is_given(int? windowPairs, double share, int pairs, int expected) =>
        Assert.Equal(expected, new CalibrationOptions { WindowPairs = windowPairs, WindowShare = share, MinPairs = 24 }.WindowFor(pairs));

    [Fact]
    public void Traffic_that_lives_in_a_band_the_pairs_barely_cover_weighs_that_band_up()
    {
        // the construction above, and traffic that meets the distant band (0.32) as often as the close one
        var safe = new Dictionary<int, double> { [5] = 0.0, [10] = 0.0, [15] = 0.5, [20] = 2, [25] = 2 };
        var pairs = Enumerable.Range(0, 150).Select(i => Pair(0.9 + 0.1 * i / 149.0, 0, safe))
            .Concat(Enumerable.Range(0, 4).Select(i => Pair(0.305 + 0.01 * i, 0, safe))).ToArray();
        var traffic = new TrafficSimilarities("test", "prompt-to-prompt", [.. Enumerable.Repeat(0.32, 50), .. Enumerable.Repeat(0.95, 50)]);
        var noWindow = Options with { WindowPairs = 0 };

        Assert.Equal(15, CalibrationAnalysis.DeriveTable(pairs, RetrievalMode.PromptToPrompt, noWindow).KFor(0.31));
        var weighted = traffic.Weigh(pairs, noWindow.BucketWidth);
        Assert.Equal(pairs.Length, weighted.Sum(p => p.Weight), 6);
        Assert.Equal(0.5 * pairs.Length / 4, weighted[^1].Weight, 6); // half the traffic on 4 of 154 pairs
        Assert.True(CalibrationAnalysis.DeriveTable(weighted, RetrievalMode.PromptToPrompt, noWindow).KFor(0.31) < 15);

        // the whole analysis weighs the mode the traffic was measured in, and predicts its drop
        var analysed = CalibrationAnalysis.AnalyseMode(pairs, RetrievalMode.PromptToPrompt, noWindow with { Traffic = traffic });
        Assert.True(analysed.Table.KFor(0.31) < 15, analysed.Table.ToString());
        var (_, dropOnTraffic) = CalibrationAnalysis.Evaluate(CalibrationAnalysis.DeriveTable(pairs, RetrievalMode.PromptToPrompt, noWindow), weighted,
            RetrievalMode.PromptToPrompt);
        var (_, dropOnPairs) = CalibrationAnalysis.Evaluate(CalibrationAnalysis.DeriveTable(pairs, RetrievalMode.PromptToPrompt, noWindow), pairs,
            RetrievalMode.PromptToPrompt);
        Assert.True(dropOnTraffic > 0.25 && dropOnPairs < 0.02, $"{dropOnTraffic} vs {dropOnPairs}");
    }

    [Fact]
    public void Traffic_in_a_band_without_pairs_counts_towards_the_nearest_band_that_has_some()
    {
        var safe = new Dictionary<int, double> { [5] = 0.0, [10] = 0.0, [15] = 0.0, [20] = 0.0, [25] = 0.0 };
        var pairs = new[] { Pair(0.52, 0, safe), Pair(0.53, 0, safe), Pair(0.91, 0, safe) };
        var weighted = new TrafficSimilarities("test", "p2p", [0.45, 0.99, 0.99, 0.99]).Weigh(pairs, 0.05);
        Assert.Equal([0.25 * 3 / 2, 0.25 * 3 / 2, 0.75 * 3], weighted.Select(p => Math.Round(p.Weight, 6)));
    }

    [Fact]
    public void A_traffic_file_that_is_not_one_is_refused_clearly()
    {
        var path = Path.Combine(Path.GetTempPath(), $"traffic-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, "{\"source\": \"x\", \"mode\": \"p2p\", \"similarities\": [0.5, 3.0]}");
            Assert.Contains("[-1, 1]", Assert.Throws<InvalidDataException>(() => TrafficSimilarities.Load(path)).Message);
            File.WriteAllText(path, "{\"source\": \"x\", \"mode\": \"sideways\", \"similarities\": [0.5]}");
            Assert.Contains("retrieval mode", Assert.Throws<InvalidDataException>(() => TrafficSimilarities.Load(path)).Message);
            File.WriteAllText(path, "not json");
            Assert.Contains("not a traffic similarity file", Assert.Throws<InvalidDataException>(() => TrafficSimilarities.Load(path)).Message);
            var written = new TrafficSimilarities("bench", "prompt-to-prompt", [0.123456, 1.0]);
            File.WriteAllText(path, written.ToJson());
            Assert.Equal([0.1235, 1.0], TrafficSimilarities.Load(path).Values);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_larger_K_never_gets_a_lower_threshold()
    {
        // K 25 is safe everywhere, K 20 only above 0.9: K 25 must still wait for 0.9
        var safe = new Dictionary<int, double> { [5] = 0.5, [10] = 0.5, [15] = 0.5, [20] = 0.9, [25] = 0.0 };
        var pairs = Enumerable.Range(0, 100).Select(i => Pair(0.4 + 0.6 * i / 99.0, 0, safe)).ToArray();
        var table = CalibrationAnalysis.DeriveTable(pairs, RetrievalMode.PromptToPrompt, Options);
        var byK = table.Thresholds.ToDictionary(t => t.K, t => t.MinSimilarity);
        Assert.True(byK[25] >= byK[20]);
        Assert.InRange(byK[20], 0.89, 0.9);
        Assert.Empty(table.Problems(CachePoints.Nirvana, "derived"));
    }

    [Fact]
    public void A_K_that_loses_accuracy_even_at_the_top_is_left_out_with_every_larger_K()
    {
        var safe = new Dictionary<int, double> { [5] = 0.5, [10] = 0.5, [15] = 2.0, [20] = 0.5, [25] = 0.5 };
        var pairs = Enumerable.Range(0, 50).Select(i => Pair(0.5 + 0.5 * i / 49.0, 0, safe)).ToArray();
        var table = CalibrationAnalysis.DeriveTable(pairs, RetrievalMode.PromptToPrompt, Options);
        Assert.Equal([10, 5], table.Thresholds.Select(t => t.K));
    }

    [Fact]
    public void Evaluating_a_table_counts_steps_saved_and_the_accuracy_it_costs()
    {
        var pairs = new[] { Pair(0.95, 0, Safe), Pair(0.75, 0, Safe), Pair(0.3, 0, Safe) };
        // NIRVANA's table: 0.95 → 20 (safe at 0.85: 4/4); 0.75 → 5... (> 0.75 is strict: 0.75 → 5, safe at 0.6: 4/4); 0.3 → miss
        var (saved, drop) = CalibrationAnalysis.Evaluate(SimilarityKTable.Nirvana, pairs, RetrievalMode.PromptToPrompt);
        Assert.Equal((20 + 5 + 0) / 150.0, saved, 6);
        Assert.Equal(0, drop, 6);
        var greedy = new SimilarityKTable([new(0.0, 25)]);
        var (greedySaved, greedyDrop) = CalibrationAnalysis.Evaluate(greedy, pairs, RetrievalMode.PromptToPrompt);
        Assert.Equal(3 * 25 / 150.0, greedySaved, 6);                // every pair is above 0.0
        Assert.Equal(1 - (4 + 1 + 1) / 12.0, greedyDrop, 6);         // K 25 is safe only for 0.95: the others pass 1 of 4
    }

    [Fact]
    public void The_mode_whose_similarity_predicts_quality_is_chosen()
    {
        var modes = CalibrationAnalysis.Analyse(Pairs(), Options);
        var (mode, reason) = CalibrationAnalysis.Choose(modes, Options.Tolerance);
        Assert.Equal(RetrievalMode.PromptToPrompt, mode);
        Assert.Contains("prompt-to-prompt", reason);
        var p2p = modes.Single(m => m.Mode == RetrievalMode.PromptToPrompt);
        var p2i = modes.Single(m => m.Mode == RetrievalMode.PromptToImage);
        Assert.True(p2p.CrossValidatedStepsSaved > p2i.CrossValidatedStepsSaved);
        Assert.True(p2p.CrossValidatedAccuracyDrop <= Options.Tolerance);
        Assert.True(p2p.RankCorrelation > 0.99);
        Assert.InRange(p2p.Margin, 0, 0.03);   // thresholds sit just below the safe similarities: a small raise suffices
        Assert.Equal(CalibrationAnalysis.Raise(CalibrationAnalysis.DeriveTable(Pairs(), RetrievalMode.PromptToPrompt, Options), p2p.Margin).Thresholds,
            p2p.Table.Thresholds);
        Assert.InRange(p2i.RankCorrelation, -0.3, 0.3);
    }

    [Fact]
    public void Buckets_cover_every_pair_once_and_average_within()
    {
        var pairs = Pairs();
        var mode = CalibrationAnalysis.AnalyseMode(pairs, RetrievalMode.PromptToPrompt, Options);
        Assert.Equal(pairs.Count, mode.Buckets.Sum(b => b.Pairs));
        var top = mode.Buckets[^1];
        Assert.Equal(1.0, top.High);
        Assert.Equal(1.0, top.ByK.Single(k => k.K == 25).Accuracy);
        Assert.True(mode.Buckets[0].ByK.Single(k => k.K == 25).Accuracy < 0.5);
    }

    [Fact]
    public void Raising_a_table_drops_rows_that_can_no_longer_be_exceeded()
    {
        var raised = CalibrationAnalysis.Raise(SimilarityKTable.Nirvana, 0.06);
        Assert.Equal([20, 15, 10, 5], raised.Thresholds.Select(t => t.K));
        Assert.Equal(0.96, raised.Thresholds[0].MinSimilarity, 6);
    }

    [Theory]
    [InlineData(new[] { 1.0, 2, 3, 4, 5 }, new[] { 2.0, 4, 6, 8, 10 }, 1.0)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5 }, new[] { 5.0, 4, 3, 2, 1 }, -1.0)]
    [InlineData(new[] { 1.0, 2, 3, 4, 5 }, new[] { 1.0, 1, 1, 1, 1 }, 0.0)]
    public void Spearman_is_the_rank_correlation(double[] x, double[] y, double expected) =>
        Assert.Equal(expected, CalibrationAnalysis.Spearman(x, y), 6);

    [Fact]
    public void The_plot_renders_a_png_with_a_row_per_mode()
    {
        var png = CalibrationPlot.Render(CalibrationAnalysis.Analyse(Pairs(), Options));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        var (_, width, height) = Inference.Imaging.PngImageCodec.DecodeToPlanar(png);
        Assert.Equal(3 * CalibrationPlot.PanelWidth, width);
        Assert.Equal(2 * CalibrationPlot.PanelHeight, height);
    }
}
