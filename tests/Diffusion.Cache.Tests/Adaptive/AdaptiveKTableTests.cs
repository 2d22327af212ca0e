using Diffusion.Cache.Adaptive;
using Diffusion.Cache.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace Diffusion.Cache.Tests.Adaptive;

/// <summary>
/// The adaptive table on NIRVANA's table with three buckets: (-1, 0.75] starts at K 0, (0.75, 0.9] at K 10,
/// (0.9, 1] at K 20 (NIRVANA's K at each bucket's middle).
/// </summary>
public sealed class AdaptiveKTableTests : IDisposable
{
    private const double Low = 0.5, Middle = 0.8, High = 0.97;
    private readonly TempDirectory _directory = new();

    private static AdaptiveKOptions Quiet => new()
    {
        BucketEdges = [0.75, 0.9],
        ExploreRate = 0,
        ControlRate = 0,
        MinSamples = 4,
        Window = 8,
        Tolerance = 0.01,
    };

    private static AdaptiveKTable Table(AdaptiveKOptions? options = null, string? calibratedFor = "model@1") =>
        new(SimilarityKTable.Nirvana, CachePoints.Nirvana, options ?? Quiet, calibratedFor, NullLogger.Instance);

    /// <summary>Four control runs from noise around <paramref name="score"/> (±0.005, so the mean has a standard error).</summary>
    private static void FullRuns(AdaptiveKTable table, double similarity, double score = 0.80)
    {
        foreach (var delta in new[] { -0.005, 0.005, -0.005, 0.005 })
        {
            table.Observe(new AdaptiveArm(similarity, 0, AdaptiveDraw.Control), score + delta);
        }
    }

    private static void Hits(AdaptiveKTable table, double similarity, int k, double score, AdaptiveDraw draw = AdaptiveDraw.Exploit)
    {
        foreach (var delta in new[] { -0.005, 0.005, -0.005, 0.005 })
        {
            table.Observe(new AdaptiveArm(similarity, k, draw), score + delta);
        }
    }

    [Fact]
    public void Each_bucket_starts_at_the_calibrated_tables_K()
    {
        var table = Table();
        Assert.Equal(0, table.ReferenceKFor(Low, AdaptiveDraw.Exploit));
        Assert.Equal(10, table.ReferenceKFor(Middle, AdaptiveDraw.Exploit));
        Assert.Equal(20, table.ReferenceKFor(High, AdaptiveDraw.Exploit));
        Assert.Equal([0, 5, 10, 15, 20, 25], table.Ladder);
    }

    [Fact]
    public void A_K_whose_images_score_clearly_below_full_runs_is_lowered_by_one_cache_point()
    {
        var table = Table();
        FullRuns(table, High);
        Hits(table, High, 20, 0.75);   // 0.05 below the runs from noise: far past the 0.01 tolerance

        Assert.Equal(15, table.ReferenceKFor(High, AdaptiveDraw.Exploit));
        Assert.Equal(10, table.ReferenceKFor(Middle, AdaptiveDraw.Exploit));   // other buckets keep theirs
        var snapshot = table.Snapshot();
        Assert.Equal(1, snapshot.Demotions);
        Assert.Equal("ruled_out", snapshot.Buckets[2].Arms.Single(a => a.K == 20).Verdict);
    }

    [Fact]
    public void A_K_within_the_tolerance_is_kept_and_a_proven_larger_one_is_adopted()
    {
        var table = Table();
        FullRuns(table, Middle);
        Hits(table, Middle, 10, 0.795);
        Assert.Equal(10, table.ReferenceKFor(Middle, AdaptiveDraw.Exploit));

        Hits(table, Middle, 15, 0.797, AdaptiveDraw.Explore);
        Assert.Equal(15, table.ReferenceKFor(Middle, AdaptiveDraw.Exploit));
        Assert.Equal(15, table.Learned().KFor(Middle));
        Assert.Equal(1, table.Snapshot().Promotions);
    }

    [Fact]
    public void Too_few_observations_decide_nothing()
    {
        var table = Table();
        FullRuns(table, High);
        table.Observe(new AdaptiveArm(High, 20, AdaptiveDraw.Exploit), 0.5);
        table.Observe(new AdaptiveArm(High, 20, AdaptiveDraw.Exploit), 0.5);
        Assert.Equal(20, table.ReferenceKFor(High, AdaptiveDraw.Exploit));
    }

    [Fact]
    public void A_less_similar_bucket_never_skips_more_than_a_more_similar_one()
    {
        var table = Table();
        FullRuns(table, High);
        Hits(table, High, 20, 0.75);                                  // the top bucket falls to 15
        FullRuns(table, Middle);
        Hits(table, Middle, 15, 0.80, AdaptiveDraw.Explore);          // the middle one earns 15 …
        Hits(table, Middle, 20, 0.80, AdaptiveDraw.Explore);          // … and 20

        Assert.Equal(15, table.ReferenceKFor(Middle, AdaptiveDraw.Exploit));
        var learned = table.Learned();
        Assert.Equal(15, learned.KFor(Middle));
        Assert.Equal(15, learned.KFor(High));
        Assert.Empty(learned.Problems(CachePoints.Nirvana, "learned"));
    }

    [Fact]
    public void Exploration_tries_the_next_larger_K_but_a_ruled_out_one_only_rarely()
    {
        var table = Table(Quiet with { ExploreRate = 0.3 });
        Assert.Equal(15, table.ReferenceKFor(Middle, AdaptiveDraw.Explore));
        Assert.Equal(25, table.ReferenceKFor(High, AdaptiveDraw.Explore));

        FullRuns(table, High);
        Hits(table, High, 20, 0.75);   // 20 ruled out: the bucket uses 15
        var tries = Enumerable.Range(0, 2000).Count(_ => table.ReferenceKFor(High, AdaptiveDraw.Explore) == 20);
        Assert.InRange(tries / 2000.0, 0.18, 0.32);   // a quarter of explorations
    }

    [Fact]
    public void Draws_follow_the_control_and_explore_rates_reproducibly()
    {
        var options = Quiet with { ControlRate = 0.1, ExploreRate = 0.2, Seed = 7 };
        var table = Table(options);
        var draws = Enumerable.Range(0, 5000).Select(_ => table.Draw()).ToArray();
        Assert.InRange(draws.Count(d => d == AdaptiveDraw.Control) / 5000.0, 0.08, 0.12);
        Assert.InRange(draws.Count(d => d == AdaptiveDraw.Explore) / 5000.0, 0.17, 0.23);
        var again = Table(options);
        Assert.Equal(draws.Take(50), Enumerable.Range(0, 50).Select(_ => again.Draw()));
    }

    [Fact]
    public void The_learned_state_survives_a_restart_and_is_ignored_for_another_model_or_when_damaged()
    {
        var path = _directory.Combine("adaptive-k.json");
        var options = Quiet with { StatePath = path };
        var table = Table(options);
        FullRuns(table, High);
        Hits(table, High, 20, 0.75);
        table.TrySave();

        var restarted = Table(options);
        Assert.Equal(15, restarted.ReferenceKFor(High, AdaptiveDraw.Exploit));
        Assert.Equal(4, restarted.Snapshot().Buckets[2].Arms.Single(a => a.K == 20).Count);

        Assert.Equal(20, Table(options, calibratedFor: "model@2").ReferenceKFor(High, AdaptiveDraw.Exploit));
        Assert.Equal(20, Table(options with { BucketEdges = [0.7, 0.9] }).ReferenceKFor(High, AdaptiveDraw.Exploit));

        File.WriteAllText(path, "{ not json");
        Assert.Equal(20, Table(options).ReferenceKFor(High, AdaptiveDraw.Exploit));
    }

    [Fact]
    public void A_miss_teaches_nothing_only_controls_give_the_expected_score()
    {
        var table = Table();
        foreach (var score in new[] { 0.60, 0.61, 0.60, 0.61 })
        {
            table.Observe(new AdaptiveArm(High, 0, AdaptiveDraw.Exploit), score);   // misses: new, unpopular prompts score lower
        }
        Hits(table, High, 20, 0.75);
        Assert.Equal(20, table.ReferenceKFor(High, AdaptiveDraw.Exploit));        // no expected score yet: nothing decided
        Assert.Equal(0, table.Snapshot().BaselineRuns);
        Assert.Equal(4, table.Snapshot().Observations);
    }

    [Fact]
    public void Scores_that_are_not_numbers_teach_nothing()
    {
        var table = Table();
        table.Observe(new AdaptiveArm(High, 20, AdaptiveDraw.Exploit), double.NaN);
        table.Observe(new AdaptiveArm(double.NaN, 20, AdaptiveDraw.Exploit), 0.8);
        Assert.Equal(0, table.Snapshot().Observations);
    }

    [Fact]
    public void Without_edges_the_buckets_refine_the_calibrated_tables_thresholds()
    {
        var table = Table(new AdaptiveKOptions());
        Assert.Equal([0.65, 0.7, 0.75, 0.8, 0.85, 0.875, 0.9, 0.925, 0.95, 0.975], table.Edges);
        foreach (var similarity in new[] { 0.6, 0.66, 0.72, 0.78, 0.86, 0.88, 0.91, 0.93, 0.96, 0.99 })
        {
            Assert.Equal(SimilarityKTable.Nirvana.KFor(similarity), table.ReferenceKFor(similarity, AdaptiveDraw.Exploit));
        }
    }

    [Fact]
    public void Invalid_options_are_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new AdaptiveKOptions
        {
            BucketEdges = [0.9, 0.5],
            Tolerance = -1,
            MinSamples = 1,
            ExploreRate = 0.9,
        }.Validate());
        Assert.Contains("rise strictly", e.Message);
        Assert.Contains("tolerance", e.Message);
        Assert.Contains("MinSamples", e.Message);
        Assert.Contains("explore rate", e.Message);
    }

    public void Dispose() => _directory.Dispose();
}
