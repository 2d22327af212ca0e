using Diffusion.Lab.Bench;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Bench;

public sealed class BenchFiguresTests
{
    private static ReplayRecord Record(int index, int start, double latencyMs, double lookupMs = 0, int passed = 0, int checks = 0, double clip = double.NaN) =>
        new(index, TraceRequestKind.New, true, 50, start, null, null, TimeSpan.FromMilliseconds(latencyMs), TimeSpan.FromMilliseconds(lookupMs),
            TimeSpan.Zero, TimeSpan.Zero,
            Enumerable.Range(0, checks).ToDictionary(i => $"m{i}", i => i < passed), clip);

    [Fact]
    public void Steps_saved_is_skipped_steps_over_requested_steps()
    {
        Assert.Equal((25 + 10) / 150.0, BenchFigures.StepsSaved([Record(0, 25, 1), Record(1, 10, 1), Record(2, 0, 1)]), 9);
        Assert.Equal(0, BenchFigures.StepsSaved([]));
    }

    [Fact]
    public void The_iterations_ratio_is_the_median_run_over_the_median_request_and_hits_count_by_k()
    {
        // runs of 50, 40, 40, 25, 25 iterations: the median request runs 40 of 50
        ReplayRecord[] records = [Record(0, 0, 1), Record(1, 10, 1), Record(2, 10, 1), Record(3, 25, 1), Record(4, 25, 1)];
        Assert.Equal(0.8, BenchFigures.IterationsP50Ratio(records), 9);
        Assert.Equal(new Dictionary<int, int> { [10] = 2, [25] = 2 }, BenchFigures.HitsByK(records));
        Assert.Equal([10, 25], BenchFigures.HitsByK(records).Keys);
    }

    [Theory]
    [InlineData(0.5, 2.5)]
    [InlineData(0.0, 1.0)]
    [InlineData(1.0, 4.0)]
    [InlineData(0.99, 3.97)]
    public void Quantiles_interpolate_between_order_statistics(double q, double expected) =>
        Assert.Equal(expected, BenchFigures.Quantile([4, 1, 3, 2, double.NaN], q), 9);

    [Fact]
    public void Lookup_overhead_divides_each_lookup_by_the_same_requests_full_run()
    {
        var off = Enumerable.Range(0, 100).Select(i => Record(i, 0, latencyMs: 1000)).ToArray();
        var on = Enumerable.Range(0, 100).Select(i => Record(i, 25, latencyMs: 500, lookupMs: i == 99 ? 100 : 10)).ToArray();
        // 99 ratios of 0.01 and one of 0.1: the p99 sits at 98.01 of 99 order-statistic steps
        Assert.Equal(0.01 + 0.01 * 0.09, BenchFigures.LookupOverhead(on, off), 9);
    }

    [Fact]
    public void Accuracy_pools_every_check_and_clip_scores_average_the_finite_ones()
    {
        var records = new[] { Record(0, 0, 1, passed: 1, checks: 2, clip: 0.2), Record(1, 0, 1, passed: 3, checks: 3, clip: 0.4), Record(2, 0, 1) };
        Assert.Equal(4 / 5.0, BenchFigures.Accuracy(records), 9);
        Assert.Equal(0.3, BenchFigures.MeanClipScore(records), 9);
        Assert.Equal(1.0, BenchFigures.MetricAccuracy(records)["m0"]);
        Assert.Equal(0.5, BenchFigures.MetricAccuracy(records)["m1"]);
    }

    [Fact]
    public void The_quality_drops_error_is_root_n_times_the_spread_of_per_request_differences_over_all_checks()
    {
        // four requests of 4 checks: off passes 3 each; on passes 3, 1, 3, 3 → differences 0, 2, 0, 0
        var off = Enumerable.Range(0, 4).Select(i => Record(i, 0, 1, passed: 3, checks: 4)).ToArray();
        var on = new[] { 3, 1, 3, 3 }.Select((p, i) => Record(i, 25, 1, passed: p, checks: 4)).ToArray();
        var sd = Math.Sqrt((3 * 0.5 * 0.5 + 1.5 * 1.5) / 3); // mean 0.5
        Assert.Equal(Math.Sqrt(4) * sd / 16, BenchFigures.QualityDropStandardError(on, off), 9);
        Assert.Equal(0, BenchFigures.QualityDropStandardError(on, on), 9);
        Assert.Equal(0, BenchFigures.QualityDropStandardError(on[..1], off));
    }

    [Fact]
    public void Request_rows_pair_each_measured_request_with_its_twin_and_its_sources_start()
    {
        ReplayRecord Hit(int index, int start, int? source, int passed) =>
            Record(index, start, 1, passed: passed, checks: 2) with { SourceIndex = source, Similarity = 0.8 };
        var on = new[] { Hit(0, 0, null, 2) with { Measured = false }, Hit(1, 10, 0, 1), Hit(2, 25, 1, 2) };
        var off = new[] { Hit(0, 0, null, 2), Hit(1, 0, null, 2), Hit(2, 0, null, 1) };
        var rows = RequestRow.Of(on, off);
        Assert.Equal([1, 2], rows.Select(r => r.Index));
        Assert.Equal([0, 10], rows.Select(r => r.SourceStart));
        Assert.Equal(["m1"], rows[0].FailedOn!);
        Assert.Empty(rows[0].FailedOff!);
        Assert.Equal(["m1"], rows[1].FailedOff!);
        Assert.Null(RequestRow.Of(on, null)[0].FailedOff);
    }

    [Fact]
    public void The_replay_clock_follows_the_trace_and_never_goes_back()
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = new ReplayClock(start);
        clock.Set(TimeSpan.FromHours(2));
        clock.Set(TimeSpan.FromHours(1));
        Assert.Equal(start.AddHours(2), clock.GetUtcNow());
        var before = clock.GetTimestamp();
        Thread.Sleep(5);
        Assert.True(clock.GetElapsedTime(before) >= TimeSpan.FromMilliseconds(4)); // durations stay real
    }

    [Fact]
    public void LCBFU_must_beat_both_other_policies_in_the_accounting_replays()
    {
        static CacheBenchReport Report(double lcbfu, double lru, double fifo) => new()
        {
            ModelId = "m", Mode = "prompt-to-prompt", KTable = "", Requests = 1, Measured = 1, Warmup = 0, TraceSeed = 1, BudgetBytes = 1, Concurrency = 1,
            Steps = 50, Guidance = 4, GraceSeconds = 0, PerUserTenants = false, StepsSaved = 0, HitRate = 0, HitsByK = new Dictionary<int, int>(),
            HitRateByKind = new Dictionary<string, double>(), LatencyP50OffMs = 1, LatencyP50OnMs = 1, LatencyP95OffMs = 1, LatencyP95OnMs = 1,
            IterationsP50Ratio = 1, AccuracyOff = 0, AccuracyOn = 0, MetricsOff = new Dictionary<string, double>(), MetricsOn = new Dictionary<string, double>(),
            ClipScoreOff = 0, ClipScoreOn = 0, LookupOverheadP99 = 0, LookupP99Ms = 0, MaxDiskBytes = 0, Evictions = 0, ElapsedMinutes = 0,
            Policies =
            [
                Policy("lcbfu", false, 0.9), // the full replay does not count in the comparison
                Policy("lcbfu", true, lcbfu), Policy("lru", true, lru), Policy("fifo", true, fifo),
            ],
        };
        static PolicyFigures Policy(string name, bool accounting, double saved) => new(name, accounting, saved, 0, 0, 0, new Dictionary<int, int>(), 1);
        Assert.True(Report(0.30, 0.25, 0.20).LcbfuBeatsLruAndFifo);
        Assert.False(Report(0.30, 0.30, 0.20).LcbfuBeatsLruAndFifo);
        Assert.False(Report(0.20, 0.25, 0.10).LcbfuBeatsLruAndFifo);
    }
}
