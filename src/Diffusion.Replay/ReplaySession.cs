using Diffusion.Replay.Arrivals;
using Diffusion.Replay.Client;
using Diffusion.Replay.Metrics;
using Diffusion.Replay.Plots;
using Diffusion.Replay.Progress;
using Diffusion.Replay.Records;
using Diffusion.Replay.Running;
using Diffusion.Replay.Stats;
using Diffusion.Replay.Traces;

namespace Diffusion.Replay;

/// <summary>Where a session writes: the printed summary, and the progress line with whether it is a terminal.</summary>
public sealed record ReplayConsole(TextWriter Output, TextWriter Progress, bool ProgressIsTerminal);

/// <summary>The outcome of a replay: its summary (also in summary.json) and the exit code it calls for.</summary>
public sealed record ReplayReport(ReplaySummary Summary, int ExitCode);

/// <summary>
/// One replay from trace to files: probes the server, reads its counters, runs the pass with the
/// cache on (and, if asked, a second with it off), reads the counters again, then writes
/// summary.json and the plots and prints the summary. Stopping (<c>stop</c>) ends sending; whatever
/// was answered is still summarized and written.
/// </summary>
public sealed class ReplaySession(ReplayOptions options, HttpClient http, ReplayConsole console, TimeProvider time)
{
    private static readonly TimeSpan MetricsTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SettleInterval = TimeSpan.FromMilliseconds(250);
    private const int SettleAttempts = 12;

    private readonly ServerMetricsClient metrics = new(http);

    /// <exception cref="HttpRequestException">The server cannot be reached (nothing was sent).</exception>
    /// <exception cref="IOException">The output directory already holds a replay or cannot be written.</exception>
    public async Task<ReplayReport> RunAsync(string tracePath, IReadOnlyList<TraceRecord> trace, bool inProcess, CancellationToken stop)
    {
        if (options.Validate() is { Count: > 0 } problems)
            throw new ArgumentException("invalid replay settings: " + string.Join("; ", problems));

        var startedAt = time.GetUtcNow();
        var selected = options.Limit is { } limit && limit < trace.Count ? trace.Take(limit).ToList() : trace.ToList();
        var schedule = Schedule(selected);
        var directory = PrepareDirectory();
        if (options.Arrivals == ArrivalMode.Timestamps && ArrivalSchedules.MissingTimestamps(selected.Select(r => r.Seconds).ToList()) is > 0 and var missing)
            await console.Progress.WriteLineAsync($"replay: {missing} of {selected.Count} records have no timestamp; each is sent with the record before it");

        using (var probe = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            probe.CancelAfter(MetricsTimeout);
            var stepsPerRequest = options.Steps ?? await new ServerProbe(http).DefaultStepsAsync(probe.Token);
            return await RunPassesAsync(tracePath, trace.Count, selected, schedule, directory, stepsPerRequest, inProcess, startedAt, stop);
        }
    }

    private async Task<ReplayReport> RunPassesAsync(
        string tracePath, int traceCount, IReadOnlyList<TraceRecord> selected, IReadOnlyList<ScheduledRequest> schedule,
        string directory, int? stepsPerRequest, bool inProcess, DateTimeOffset startedAt, CancellationToken stop)
    {
        var client = new GenerationClient(http, RetryPolicy.WithRetries(options.MaxRetries), time, options.RequestTimeout);
        var runner = new ReplayRunner(client, time);
        var metricsProblems = new List<string>();

        var on = await RunPassAsync(runner, selected, schedule, new PassSettings("cache on", false, options.Steps, options.Concurrency, options.DrainTimeout),
            Path.Combine(directory, ReplayFiles.Requests), stepsPerRequest, metricsProblems, stop);
        (PassResult Result, PassSummary Summary)? off = null;
        if (options.CompareOff && !on.Result.Interrupted && !stop.IsCancellationRequested)
            off = await RunPassAsync(runner, selected, schedule, new PassSettings("cache off", true, options.Steps, options.Concurrency, options.DrainTimeout),
                Path.Combine(directory, ReplayFiles.RequestsCacheOff), stepsPerRequest, metricsProblems, stop);

        var files = new Dictionary<string, string>
        {
            ["requests"] = Path.Combine(directory, ReplayFiles.Requests),
            ["summary"] = Path.Combine(directory, ReplayFiles.Summary),
            ["hit_rate_plot"] = Path.Combine(directory, ReplayFiles.HitRatePlot),
            ["latency_cdf_plot"] = Path.Combine(directory, ReplayFiles.LatencyCdfPlot),
        };
        if (off is not null) files["requests_cache_off"] = Path.Combine(directory, ReplayFiles.RequestsCacheOff);

        // The files are written even after a stop, so they must not depend on the stop token.
        await File.WriteAllBytesAsync(files["hit_rate_plot"], ReplayPlots.HitRate(on.Result.Records).RenderPng(), CancellationToken.None);
        await File.WriteAllBytesAsync(files["latency_cdf_plot"],
            ReplayPlots.LatencyCdf(on.Result.Records, off?.Result.Records).RenderPng(), CancellationToken.None);

        var interrupted = on.Result.Interrupted || (off?.Result.Interrupted ?? false) || stop.IsCancellationRequested;
        var passes = off is null ? new[] { on.Summary } : [on.Summary, off.Value.Summary];
        var summary = new ReplaySummary(
            tracePath, http.BaseAddress?.ToString() ?? "", inProcess, startedAt, time.GetUtcNow(), Settings(stepsPerRequest),
            traceCount, interrupted, on.Summary, off?.Summary, AcceptanceCheck.Judge(passes), metricsProblems.Distinct().ToList(), files);
        await SummaryWriter.WriteAsync(files["summary"], summary, CancellationToken.None);
        SummaryPrinter.Print(console.Output, summary);

        var exit = !summary.Acceptance.Passed ? ReplayExitCodes.AcceptanceFailed
            : interrupted ? ReplayExitCodes.Interrupted
            : ReplayExitCodes.Ok;
        return new ReplayReport(summary, exit);
    }

    private async Task<(PassResult Result, PassSummary Summary)> RunPassAsync(
        ReplayRunner runner, IReadOnlyList<TraceRecord> selected, IReadOnlyList<ScheduledRequest> schedule, PassSettings settings,
        string logPath, int? stepsPerRequest, List<string> metricsProblems, CancellationToken stop)
    {
        var before = await ReadCountersAsync(CancellationToken.None);
        metricsProblems.AddRange(before.Problems);

        var stats = new LiveStats(settings.Label, schedule.Count, time);
        PassResult result;
        using (var log = new RequestLogWriter(logPath))
        using (var progressDone = new CancellationTokenSource())
        {
            var progress = new ProgressReporter(console.Progress, console.ProgressIsTerminal, time).RunAsync(stats, progressDone.Token);
            try
            {
                result = await runner.RunAsync(selected, schedule, settings, log, stats, stop);
            }
            finally
            {
                await progressDone.CancelAsync();
                await progress;
            }
        }

        // Proof that nothing was lost: every sent request must have its line on disk.
        var logged = (await RequestLogReader.ReadAsync(logPath, CancellationToken.None)).Select(r => r.Index).ToHashSet();
        var ours = OwnCounts.From(result.Records);
        var checks = await CompareWithServerAsync(before, ours, settings.CacheOff, metricsProblems);
        return (result, SummaryCalculator.Summarize(result, logged, stepsPerRequest, checks));
    }

    /// <summary>
    /// The server records a request's counters as its answer leaves, so the last few may land just
    /// after the replay saw the answer: a mismatch is read again a few times before it counts.
    /// </summary>
    private async Task<IReadOnlyList<CounterCheck>> CompareWithServerAsync(
        ServerCounters before, OwnCounts ours, bool cacheOff, List<string> metricsProblems)
    {
        IReadOnlyList<CounterCheck> checks = [];
        ServerCounters after = ServerCounters.Empty;
        for (var attempt = 0; attempt < SettleAttempts; attempt++)
        {
            if (attempt > 0) await Task.Delay(SettleInterval, time);
            after = await ReadCountersAsync(CancellationToken.None);
            checks = CounterComparison.Compare(before, after, ours, cacheOff);
            if (CounterComparison.AllReportedMatch(checks)) break;
        }
        metricsProblems.AddRange(after.Problems);
        return checks;
    }

    /// <param name="cancellationToken">Not the stop token: counters are read after a stop too.</param>
    private async Task<ServerCounters> ReadCountersAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(MetricsTimeout);
        return await metrics.ReadAsync(timeout.Token);
    }

    private IReadOnlyList<ScheduledRequest> Schedule(IReadOnlyList<TraceRecord> selected) => options.Arrivals switch
    {
        ArrivalMode.ClosedLoop => ArrivalSchedules.Immediate(selected.Count),
        ArrivalMode.Poisson => ArrivalSchedules.Poisson(selected.Count, options.Rate!.Value, options.Seed),
        ArrivalMode.Timestamps => ArrivalSchedules.FromTimestamps(selected.Select(r => r.Seconds).ToList(), options.TimeScale),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Arrivals, "unknown arrival mode"),
    };

    private string PrepareDirectory()
    {
        var directory = Path.GetFullPath(options.OutputDirectory);
        Directory.CreateDirectory(directory);
        if (File.Exists(Path.Combine(directory, ReplayFiles.Requests)))
            throw new IOException($"'{directory}' already holds a replay ({ReplayFiles.Requests}); choose another --out");
        return directory;
    }

    private SettingsSummary Settings(int? stepsPerRequest) => new(
        options.Arrivals switch
        {
            ArrivalMode.Poisson => "poisson",
            ArrivalMode.Timestamps => "timestamps",
            ArrivalMode.ClosedLoop => "closed_loop",
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Arrivals, "unknown arrival mode"),
        },
        options.Rate, options.TimeScale, options.Concurrency, options.Limit, options.Steps, stepsPerRequest, options.Seed,
        options.CompareOff, options.MaxRetries, options.DrainTimeout.TotalSeconds, options.RequestTimeout.TotalSeconds);
}
