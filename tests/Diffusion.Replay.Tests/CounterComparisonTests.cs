using Diffusion.Replay.Metrics;
using Diffusion.Replay.Records;
using Diffusion.Replay.Tests.Infrastructure;

namespace Diffusion.Replay.Tests;

public sealed class CounterComparisonTests
{
    private static ServerCounters Counters(Dictionary<string, double> values, params string[] problems) =>
        ServerCounters.Merge(values, "json", new Dictionary<string, double>(), "prometheus", problems);

    [Fact]
    public void Own_counts_follow_the_records()
    {
        RequestRecord[] records =
        [
            TestRecords.Make(0, hit: true, k: 10, retries: 2),
            TestRecords.Make(1),
            TestRecords.Make(2, RequestOutcome.Failed, 400),
            TestRecords.Make(3, RequestOutcome.Failed, null),
        ];
        Assert.Equal(new OwnCounts(HttpAttempts: 6, Answers200: 2, Answers429: 2, Succeeded: 2, Hits: 1, Misses: 1, StepsSkipped: 10),
            OwnCounts.From(records));
    }

    [Fact]
    public void Deltas_are_matched_mismatched_or_not_reported()
    {
        var before = Counters(new() { [CounterNames.GenerationRequests] = 100, [CounterNames.CacheHits] = 7 });
        var after = Counters(new()
        {
            [CounterNames.GenerationRequests] = 130,
            [CounterNames.CacheHits] = 17,
            [CounterNames.ImagesStored] = 29,   // absent before: counted from zero
        });
        var ours = new OwnCounts(30, 30, 0, 30, 11, 19, 110);

        var checks = CounterComparison.Compare(before, after, ours, cacheOff: false).ToDictionary(c => c.Name);

        Assert.Equal(CheckStatus.Match, checks[CounterNames.GenerationRequests].Status);
        Assert.Equal(30, checks[CounterNames.GenerationRequests].ServerDelta);
        Assert.Equal("json", checks[CounterNames.GenerationRequests].Source);
        Assert.Equal(CheckStatus.Mismatch, checks[CounterNames.CacheHits].Status);
        Assert.Equal((11L, 10.0), (checks[CounterNames.CacheHits].Ours, checks[CounterNames.CacheHits].ServerDelta!.Value));
        Assert.Equal(CheckStatus.Mismatch, checks[CounterNames.ImagesStored].Status);
        Assert.Equal(CheckStatus.NotReported, checks[CounterNames.CacheLookups].Status);
        Assert.Null(checks[CounterNames.CacheLookups].ServerDelta);
        Assert.False(CounterComparison.AllReportedMatch(checks.Values));
    }

    [Fact]
    public void With_the_cache_off_lookups_and_misses_are_not_compared()
    {
        var checks = CounterComparison.Compare(ServerCounters.Empty, ServerCounters.Empty, new OwnCounts(1, 1, 0, 1, 0, 1, 0), cacheOff: true);
        Assert.DoesNotContain(checks, c => c.Name is CounterNames.CacheLookups or CounterNames.CacheMisses);
        Assert.Contains(checks, c => c.Name == CounterNames.CacheHits);
        Assert.All(checks, c => Assert.Equal(CheckStatus.NotReported, c.Status));
        Assert.True(CounterComparison.AllReportedMatch(checks));
    }

    [Fact]
    public void A_source_unreadable_before_the_pass_gives_no_delta()
    {
        var before = Counters(new(), "/v1/metrics: HTTP 503");
        var after = Counters(new() { [CounterNames.GenerationRequests] = 500 });
        var check = CounterComparison.Compare(before, after, new OwnCounts(30, 30, 0, 30, 0, 30, 0), false)
            .Single(c => c.Name == CounterNames.GenerationRequests);
        Assert.Equal(CheckStatus.NotReported, check.Status);
    }
}
