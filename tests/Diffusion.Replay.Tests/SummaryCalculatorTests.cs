using Diffusion.Replay.Metrics;
using Diffusion.Replay.Records;
using Diffusion.Replay.Running;
using Diffusion.Replay.Stats;
using Diffusion.Replay.Tests.Infrastructure;

namespace Diffusion.Replay.Tests;

public sealed class SummaryCalculatorTests
{
    private static readonly PassSettings Settings = new("cache on", false, 20, 4, TimeSpan.FromSeconds(1));

    private static PassResult Pass(IReadOnlyList<RequestRecord> records, int scheduled, int notSent = 0) =>
        new(Settings, records, scheduled, notSent, notSent > 0, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(12));

    [Fact]
    public void Counts_hit_rate_k_histogram_steps_saved_latency_and_throughput()
    {
        RequestRecord[] records =
        [
            TestRecords.Make(0, sent: 0, latency: 4),                         // miss
            TestRecords.Make(1, sent: 1, latency: 1, hit: true, k: 10),
            TestRecords.Make(2, sent: 2, latency: 2, hit: true, k: 5, retries: 2),
            TestRecords.Make(3, sent: 3, latency: 1, hit: true, k: 10),
            TestRecords.Make(4, sent: 4, latency: 6),                         // miss, ends last at 10 s
            TestRecords.Make(5, RequestOutcome.Failed, 400, sent: 5, latency: 0.1),
            TestRecords.Make(6, RequestOutcome.Failed, null, sent: 5, latency: 0.1),
            TestRecords.Make(7, RequestOutcome.Failed, 429, sent: 5, latency: 3, retries: 4),
            TestRecords.Make(8, RequestOutcome.Abandoned, null, sent: 6, latency: 1),
        ];
        var summary = SummaryCalculator.Summarize(Pass(records, scheduled: 11, notSent: 2),
            Enumerable.Range(0, 9).ToHashSet(), stepsPerRequest: 20, []);

        Assert.Equal(new RequestCounts(Scheduled: 11, Sent: 9, Recorded: 9, Succeeded: 5, Failed: 3, Abandoned: 1, NotSent: 2, Lost: 0,
            HttpAttempts: records.Sum(r => r.Attempts)), summary.Requests);
        Assert.Equal(new Dictionary<string, int> { ["400"] = 1, ["429"] = 1, ["no_answer"] = 2 }, summary.ErrorsByStatus);
        Assert.Equal(new RetryCounts(Answers429: 6, RequestsRetried: 2, GaveUp: 1), summary.Retries);

        Assert.Equal(3, summary.Cache.Hits);
        Assert.Equal(2, summary.Cache.Misses);
        Assert.Equal(0.6, summary.Cache.HitRate);
        Assert.Equal(new Dictionary<string, int> { ["0"] = 2, ["5"] = 1, ["10"] = 2 }, summary.Cache.KHistogram);
        Assert.Equal(25, summary.Cache.StepsSaved);
        Assert.Equal(100, summary.Cache.StepsRequested);
        Assert.Equal(0.25, summary.Cache.StepsSavedFraction);

        Assert.Equal(new LatencyStats(5, 2.8, 2, 6, 6, 6), summary.LatencyS.All);
        Assert.Equal(new LatencyStats(3, 4.0 / 3, 1, 2, 2, 2), summary.LatencyS.Hit);
        Assert.Equal(new LatencyStats(2, 5, 4, 6, 6, 6), summary.LatencyS.Miss);

        // 5 images between the first send (0 s) and the last answer (10 s).
        Assert.Equal(0.5, summary.ThroughputRps, 9);
        Assert.Equal(12, summary.DurationS);
        Assert.Equal("auto", summary.CacheMode);
    }

    [Fact]
    public void Hits_are_broken_down_by_the_traces_request_kind()
    {
        RequestRecord[] records =
        [
            TestRecords.Make(0) with { Kind = "new" },
            TestRecords.Make(1, hit: true, k: 10) with { Kind = "exact_repeat" },
            TestRecords.Make(2, hit: true, k: 5) with { Kind = "edit" },
            TestRecords.Make(3) with { Kind = "edit" },
            TestRecords.Make(4, RequestOutcome.Failed, 500) with { Kind = "new" },
            TestRecords.Make(5, hit: true, k: 5),
        ];
        var summary = SummaryCalculator.Summarize(Pass(records, 6), Enumerable.Range(0, 6).ToHashSet(), 20, []);
        Assert.Equal(new Dictionary<string, KindCounts>
        {
            ["edit"] = new(2, 1, 0.5),
            ["exact_repeat"] = new(1, 1, 1),
            ["new"] = new(1, 0, 0),
        }, summary.Cache.ByKind);
        Assert.Empty(SummaryCalculator.Summarize(Pass([TestRecords.Make(0)], 1), new HashSet<int> { 0 }, 20, []).Cache.ByKind);
    }

    [Fact]
    public void A_sent_request_missing_from_the_file_is_lost()
    {
        RequestRecord[] records = [TestRecords.Make(0), TestRecords.Make(1), TestRecords.Make(2)];
        var summary = SummaryCalculator.Summarize(Pass(records, 3), new HashSet<int> { 0, 2 }, null, []);
        Assert.Equal(1, summary.Requests.Lost);
        Assert.Equal(2, summary.Requests.Recorded);
        Assert.Null(summary.Cache.StepsRequested);
        Assert.Null(summary.Cache.StepsSavedFraction);

        var verdict = AcceptanceCheck.Judge([summary]);
        Assert.False(verdict.Passed);
        Assert.Contains("1 sent request(s) have no line", Assert.Single(verdict.Failures));
    }

    [Fact]
    public void A_pass_without_answers_has_no_rates_or_percentiles()
    {
        var summary = SummaryCalculator.Summarize(Pass([], 5, notSent: 5), new HashSet<int>(), 20, []);
        Assert.Null(summary.Cache.HitRate);
        Assert.Equal(new LatencyStats(0, null, null, null, null, null), summary.LatencyS.All);
        Assert.Equal(0, summary.ThroughputRps);
        Assert.Equal(0, summary.Requests.Lost);
        Assert.True(AcceptanceCheck.Judge([summary]).Passed);
    }

    [Fact]
    public void Acceptance_fails_on_a_mismatched_counter_and_ignores_unreported_ones()
    {
        CounterCheck[] checks =
        [
            new("generation_requests", "answers", 30, 30, "json", CheckStatus.Match),
            new("cache_lookups", "lookups", 30, null, null, CheckStatus.NotReported),
        ];
        var passing = SummaryCalculator.Summarize(Pass([TestRecords.Make(0)], 1), new HashSet<int> { 0 }, 4, checks);
        Assert.True(AcceptanceCheck.Judge([passing]).Passed);

        var failing = SummaryCalculator.Summarize(Pass([TestRecords.Make(0)], 1), new HashSet<int> { 0 }, 4,
            [.. checks, new CounterCheck("cache_hits", "cache hits", 3, 2, "prometheus", CheckStatus.Mismatch)]);
        var verdict = AcceptanceCheck.Judge([passing, failing]);
        Assert.False(verdict.Passed);
        Assert.Equal("cache on: cache_hits (cache hits): the replay counted 3, the server's prometheus counter moved by 2", Assert.Single(verdict.Failures));
    }
}
