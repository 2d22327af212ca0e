namespace Diffusion.Replay.Metrics;

/// <summary>
/// Compares the server's counter deltas over a pass with the replay's own counts. Only a counter
/// the server reports can mismatch; one it does not report is "not reported". With the cache off,
/// lookups and misses are not compared: whether a request that skipped the cache counts as a miss
/// is the server's choice, while hits and steps skipped must still agree.
/// </summary>
public static class CounterComparison
{
    public static IReadOnlyList<CounterCheck> Compare(ServerCounters before, ServerCounters after, OwnCounts ours, bool cacheOff)
    {
        var checks = new List<CounterCheck>
        {
            Check(CounterNames.GenerationRequests, "POST /v1/images/generations answers (all statuses)", ours.HttpAttempts),
            Check(CounterNames.GenerationRequestsOk, "... of them 200", ours.Answers200),
            Check(CounterNames.GenerationRequests429, "... of them 429 (retried)", ours.Answers429),
            Check(CounterNames.QueueRejections, "queue-full rejections", ours.Answers429),
            Check(CounterNames.GenerationsSucceeded, "generations succeeded", ours.Succeeded),
            Check(CounterNames.ImagesStored, "images stored", ours.Succeeded),
        };
        if (!cacheOff)
        {
            checks.Add(Check(CounterNames.CacheLookups, "cache lookups", ours.Succeeded));
            checks.Add(Check(CounterNames.CacheMisses, "cache misses", ours.Misses));
        }
        checks.Add(Check(CounterNames.CacheHits, "cache hits", ours.Hits));
        checks.Add(Check(CounterNames.CacheStepsSkipped, "steps skipped by the cache", ours.StepsSkipped));
        return checks;

        CounterCheck Check(string name, string description, long own)
        {
            // Without both readings there is no delta (a source unreadable before the pass cannot count from zero).
            if (after[name] is not { } end || (before[name] is null && before.Problems.Count > 0))
                return new CounterCheck(name, description, own, null, null, CheckStatus.NotReported);
            // A counter that appears only after the pass started from zero (labelled counters appear on first use).
            var delta = end.Value - (before[name]?.Value ?? 0);
            var status = Math.Abs(delta - own) < 1e-6 ? CheckStatus.Match : CheckStatus.Mismatch;
            return new CounterCheck(name, description, own, delta, end.Source, status);
        }
    }

    public static bool AllReportedMatch(IEnumerable<CounterCheck> checks) => checks.All(c => c.Status != CheckStatus.Mismatch);
}
