using System.Globalization;
using Diffusion.Replay.Metrics;

namespace Diffusion.Replay.Stats;

/// <summary>The human-readable summary printed at the end of a replay.</summary>
public static class SummaryPrinter
{
    public static void Print(TextWriter output, ReplaySummary summary)
    {
        var s = summary.Settings;
        var arrivals = s.Arrivals switch
        {
            "poisson" => F($"Poisson arrivals at {s.Rate:0.###}/s (seed {s.Seed})"),
            "timestamps" => F($"the trace's timestamps x {s.TimeScale:0.####}"),
            "closed_loop" => "closed loop",
            var other => other,
        };
        output.WriteLine();
        output.WriteLine(F($"Replay of {summary.Trace} against {summary.Server}{(summary.InProcess ? " (in-process)" : "")}: ") +
                         F($"{summary.CacheOn.Requests.Scheduled} requests, {arrivals}, concurrency {s.Concurrency}") +
                         (s.StepsPerRequest is { } steps ? F($", {steps} steps") : ""));
        if (summary.Interrupted) output.WriteLine("Interrupted: the replay was stopped before the end of the trace.");

        PrintPass(output, summary.CacheOn);
        if (summary.CacheOff is { } off)
        {
            PrintPass(output, off);
            if (summary.CacheOn.LatencyS.All.P50 is { } on50 && off.LatencyS.All.P50 is { } off50 && off50 > 0)
                output.WriteLine(F($"  cache on vs off: p50 {on50:0.###} s vs {off50:0.###} s: {Math.Abs(1 - on50 / off50) * 100:0.#}% {(on50 <= off50 ? "lower" : "higher")} with the cache on"));
        }

        output.WriteLine();
        if (summary.MetricsProblems.Count > 0)
            output.WriteLine("Server metrics: " + string.Join("; ", summary.MetricsProblems));
        output.WriteLine(summary.Acceptance.Passed
            ? "Acceptance: PASSED (no lost requests; every counter the server reports matches)"
            : "Acceptance: FAILED");
        foreach (var failure in summary.Acceptance.Failures) output.WriteLine("  " + failure);
        output.WriteLine("Files: " + string.Join(", ", summary.Files.Values));
    }

    private static void PrintPass(TextWriter output, PassSummary pass)
    {
        var r = pass.Requests;
        output.WriteLine();
        output.WriteLine($"[{pass.Label}]");
        var errors = pass.ErrorsByStatus.Count == 0 ? "" : " (" + string.Join(", ", pass.ErrorsByStatus.Select(e => $"{e.Key}: {e.Value}")) + ")";
        output.WriteLine(F($"  requests    {r.Sent} sent, {r.Recorded} recorded, {r.Succeeded} ok, {r.Failed} failed{errors}, ") +
                         F($"{r.Abandoned} abandoned, {r.NotSent} not sent, {r.Lost} lost"));
        output.WriteLine(F($"  retries     {pass.Retries.Answers429} answers 429 on {pass.Retries.RequestsRetried} requests, {pass.Retries.GaveUp} given up"));

        var c = pass.Cache;
        var histogram = string.Join(" ", c.KHistogram.Select(k => $"K={k.Key}:{k.Value}"));
        output.WriteLine(F($"  cache       hit rate {Percent(c.HitRate)} ({c.Hits} hits, {c.Misses} misses); {histogram}"));
        if (c.ByKind.Count > 0)
            output.WriteLine("  by kind     " + string.Join(", ", c.ByKind.Select(k => F($"{k.Key} {k.Value.HitRate * 100:0.0}% of {k.Value.Succeeded}"))));
        output.WriteLine(F($"  steps saved {c.StepsSaved}") +
                         (c.StepsRequested is { } requested ? F($" of {requested} ({Percent(c.StepsSavedFraction)})") : " (steps per request unknown)"));
        output.WriteLine("  latency     " + Latency("all", pass.LatencyS.All) + " | " + Latency("hit", pass.LatencyS.Hit) + " | " + Latency("miss", pass.LatencyS.Miss));
        output.WriteLine(F($"  throughput  {pass.ThroughputRps:0.###} images/s; pass took {pass.DurationS:0.#} s"));

        output.WriteLine("  server counters: delta over the pass vs the replay's count");
        var width = pass.ServerCounters.Count == 0 ? 0 : pass.ServerCounters.Max(x => x.Name.Length);
        foreach (var check in pass.ServerCounters)
        {
            var verdict = check.Status switch
            {
                CheckStatus.Match => F($"{check.ServerDelta,12:0.###} = {check.Ours,-8} match ({check.Source})"),
                CheckStatus.Mismatch => F($"{check.ServerDelta,12:0.###} ≠ {check.Ours,-8} MISMATCH ({check.Source})"),
                CheckStatus.NotReported => F($"{"not reported",12}   {check.Ours}"),
                _ => throw new ArgumentOutOfRangeException(nameof(pass), check.Status, "unknown check status"),
            };
            output.WriteLine($"    {check.Name.PadRight(width)}  {verdict}");
        }
    }

    private static string Latency(string label, LatencyStats stats) => stats.Count == 0
        ? $"{label}: none"
        : F($"{label} (n={stats.Count}) p50 {stats.P50:0.###} p95 {stats.P95:0.###} p99 {stats.P99:0.###} s");

    private static string Percent(double? fraction) => fraction is { } f ? F($"{f * 100:0.0}%") : "-";

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
