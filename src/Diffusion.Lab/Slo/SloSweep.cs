using System.Diagnostics;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Lab.Slo;

/// <summary>
/// The sweep of <c>bench slo</c>, whatever plays each run (the real engine, or <see cref="SloSimulation"/>). A probe of
/// request-level FCFS alone (one repeat per load) finds the load where it crosses 50 % attainment, which joins the
/// sweep, since the headline gain is defined there (<see cref="SloHeadline"/> reads it from the sweep itself). Then
/// every policy runs at every load, interleaved: at each load and repeat all policies run back to back on the same
/// arrivals, so a real machine's drift over the run's minutes falls on every policy alike.
/// </summary>
/// <param name="play">Plays one policy on one run's requests (at the given arrival rate).</param>
public sealed class SloSweep(SloBenchOptions options, TimeSpan step, TimeSpan expansion,
    Func<SchedulerOptions, IReadOnlyList<SloRequest>, Task<SloRun>> play, TextWriter? progress)
{
    public async Task<SloBenchReport> RunAsync(string device, CancellationToken cancellationToken)
    {
        options.Validate();
        var watch = Stopwatch.StartNew();
        var mix = SloWorkload.Generate(options, 1.0);
        var meanWork = mix.Average(r => SloWorkload.Work(options, r, step, expansion).TotalSeconds);
        var capacity = 1 / meanWork;
        progress?.WriteLine($"bench slo: a step alone {step.TotalMilliseconds:0.0} ms, an expansion {expansion.TotalMilliseconds:0} ms; "
            + $"the mix's mean work {meanWork:0.000} s, capacity {capacity:0.00} requests/s");

        var policies = options.Policies();
        var (baselineName, baselineScheduler) = policies[0];
        var probe = new List<SloPoint>();
        foreach (var load in options.Loads)
        {
            probe.Add(Point(baselineName, load, [await RunAtAsync(baselineScheduler, load, 0).ConfigureAwait(false)]));
            progress?.WriteLine($"bench slo: probe of {baselineName} at {load:0.000}x: attainment {probe[^1].SloAttainment:0.000}");
        }
        var loads = options.Loads.ToList();
        if (SloHeadline.HalfAttainmentLoad(probe) is { } half && loads.All(l => Math.Abs(l - half) > 0.02))
        {
            progress?.WriteLine($"bench slo: {baselineName} crosses 50 % near {half:0.000}x; every policy runs there too");
            loads.Add(half);
        }

        var points = new List<SloPoint>();
        foreach (var load in loads)
        {
            var runs = policies.ToDictionary(p => p.Name, _ => new List<SloRun>());
            for (var repeat = 0; repeat < options.Repeats; repeat++)
            {
                foreach (var (name, scheduler) in policies)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    runs[name].Add(await RunAtAsync(scheduler, load, repeat).ConfigureAwait(false));
                }
            }
            foreach (var (name, _) in policies)
            {
                var point = Point(name, load, runs[name]);
                points.Add(point);
                progress?.WriteLine($"bench slo: {name} at {load:0.000}x: attainment {point.SloAttainment:0.000}, interactive p95 "
                    + $"{point.Interactive.P95:0.00} s, {point.ThroughputPerSecond:0.00}/s, {point.Pauses} pauses; an iteration costs "
                    + $"{point.FittedOverheadMs:0.00} ms + {point.FittedJobStepMs:0.00} ms per job as the scheduler learned it"
                    + (point.PairCost is { } pair ? $", a pair {pair:0.00} lone steps" : ""));
            }
        }
        var names = policies.Select(p => p.Name).ToList();
        var ordered = points.OrderBy(p => names.IndexOf(p.Policy)).ToList();   // by policy, each in sweep order (the sort is stable)
        return SloHeadline.Summarise(device, options.Steps, options.RequestsPerPoint, options.Repeats, step.TotalSeconds, expansion.TotalSeconds,
            capacity, ordered, watch.Elapsed.TotalMinutes) with { Probe = probe };

        Task<SloRun> RunAtAsync(SchedulerOptions scheduler, double load, int repeat) =>
            play(scheduler, SloWorkload.Generate(options, load * capacity, repeat));

        SloPoint Point(string name, double load, IReadOnlyList<SloRun> runs) => Pool(name, load, load * capacity, runs);
    }

    /// <summary>One policy at one load: its runs' requests pooled; the cost model as the last run left it.</summary>
    private static SloPoint Pool(string name, double load, double rate, IReadOnlyList<SloRun> runs)
    {
        var outcomes = runs.SelectMany(r => r.Outcomes).ToArray();
        var interactive = outcomes.Where(o => o.Request.Class == SloClass.Interactive).ToArray();
        var met = interactive.Count(o => o.Met);
        var attainment = interactive.Length == 0 ? 1 : (double)met / interactive.Length;
        return new SloPoint(name, load, rate, attainment, BinomialError(attainment, interactive.Length), interactive.Length - met,
            Latencies(interactive),
            Latencies(outcomes.Where(o => o.Request.Class == SloClass.Batch)),
            Latencies(outcomes.Where(o => o.Request.Expand)),
            Latencies(interactive.Where(o => o.Request.Expand)),
            outcomes.Length / runs.Sum(r => r.Busy.TotalSeconds),
            runs.Sum(r => r.Pauses))
        {
            FittedOverheadMs = runs[^1].Learned.IterationOverhead.TotalMilliseconds,
            FittedJobStepMs = runs[^1].Learned.JobStep.TotalMilliseconds,
            PairCost = runs[^1].Learned.PairCost,
        };
    }

    private static LatencySummary Latencies(IEnumerable<(SloRequest Request, TimeSpan Latency, bool Met)> outcomes) =>
        LatencySummary.Of(outcomes.Select(o => o.Latency.TotalSeconds));

    private static double BinomialError(double p, int n) => n == 0 ? double.NaN : Math.Sqrt(p * (1 - p) / n);
}
