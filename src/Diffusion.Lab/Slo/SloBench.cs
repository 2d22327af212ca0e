using System.Diagnostics;
using Diffusion.Engine;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Lab.Slo;

/// <summary>
/// <c>bench slo</c>: Poisson arrivals of the mix in <see cref="SloBenchOptions"/> on the real models (UNet and LLM),
/// through the serving engine, once per policy and load. A load is a multiple of the engine's capacity, measured first
/// as one over the mix's mean standalone time; interactive requests are due at twice their standalone time after they
/// arrive, as the service sets it. Cache hits are jobs that start at their K (the scheduler sees only steps left).
/// Request-level FCFS runs first; the load where it crosses 50 % attainment joins the sweep for every policy, since
/// the headline gain is defined there.
/// </summary>
public sealed class SloBench(DiffusionPipeline pipeline, string modelsDirectory, SloBenchOptions options, TextWriter? progress)
{
    private const string Prompt = "a large cat in the center on a blue background";
    private const string LoosePrompt = "a cat";

    public async Task<SloBenchReport> RunAsync(string device, CancellationToken cancellationToken)
    {
        options.Validate();
        var watch = Stopwatch.StartNew();
        var encoded = pipeline.EncodePrompts(Prompt, "");
        var guidance = pipeline.Models.Folder.DefaultGuidanceScale;
        var (step, expansion) = await StandaloneAsync(encoded, guidance, cancellationToken).ConfigureAwait(false);
        var mix = SloWorkload.Generate(options, 1.0);
        var meanWork = mix.Average(r => Work(r, step, expansion).TotalSeconds);
        var capacity = 1 / meanWork;
        progress?.WriteLine($"bench slo: a step alone {step.TotalMilliseconds:0.0} ms, an expansion {expansion.TotalMilliseconds:0} ms; "
            + $"the mix's mean work {meanWork:0.000} s, capacity {capacity:0.00} requests/s");

        var points = new List<SloPoint>();
        var policies = SloBenchOptions.Policies(options.MaxDiffusionBatch);
        // the baseline first: where it attains 50 % decides one more load, which every policy then runs too
        var (baselineName, baselineScheduler) = policies[0];
        foreach (var load in options.Loads)
        {
            points.Add(await PointAsync(baselineName, baselineScheduler, load).ConfigureAwait(false));
        }
        var loads = options.Loads.ToList();
        var half = HalfAttainmentLoad(points);
        if (half is { } extra && loads.All(l => Math.Abs(l - extra) > 0.02))
        {
            progress?.WriteLine($"bench slo: {baselineName} crosses 50 % near {extra:0.000}x; every policy runs there too");
            points.Add(await PointAsync(baselineName, baselineScheduler, extra).ConfigureAwait(false));
            loads.Add(extra);
        }
        foreach (var (name, scheduler) in policies.Skip(1))
        {
            foreach (var load in loads)
            {
                points.Add(await PointAsync(name, scheduler, load).ConfigureAwait(false));
            }
        }
        return Summarise(device, step, expansion, capacity, points, half, watch.Elapsed);

        async Task<SloPoint> PointAsync(string name, SchedulerOptions scheduler, double load)
        {
            var point = await MeasureAsync(name, scheduler, load, capacity, step, expansion, encoded, guidance, cancellationToken).ConfigureAwait(false);
            progress?.WriteLine($"bench slo: {name} at {load:0.000}x: attainment {point.SloAttainment:0.000}, interactive p95 "
                + $"{point.Interactive.P95:0.00} s, {point.ThroughputPerSecond:0.00}/s, {point.Pauses} pauses; an iteration costs "
                + $"{point.FittedOverheadMs:0.00} ms + {point.FittedJobStepMs:0.00} ms per job as the scheduler learned it");
            return point;
        }
    }

    /// <summary>
    /// The load where the baseline's attainment crosses 50 %, interpolated linearly between the first two neighbouring
    /// loads that bracket it (rounded to 0.001); null when no two loads do.
    /// </summary>
    public static double? HalfAttainmentLoad(IReadOnlyList<SloPoint> baseline)
    {
        var sorted = baseline.OrderBy(p => p.Load).ToArray();
        for (var i = 0; i + 1 < sorted.Length; i++)
        {
            var (a, b) = (sorted[i], sorted[i + 1]);
            if (a.SloAttainment >= 0.5 && b.SloAttainment <= 0.5 && a.SloAttainment > b.SloAttainment)
            {
                return Math.Round(a.Load + (a.SloAttainment - 0.5) / (a.SloAttainment - b.SloAttainment) * (b.Load - a.Load), 3);
            }
        }
        return null;
    }

    private TimeSpan Work(SloRequest request, TimeSpan step, TimeSpan expansion) =>
        step * (options.Steps - request.StartStep) + (request.Expand ? expansion : TimeSpan.Zero);

    /// <summary>Runs of each kind alone, for the median.</summary>
    private const int StandaloneRuns = 5;

    /// <summary>
    /// A job alone (its time per step) and an expansion alone, after a warm-up of each: the median of
    /// <see cref="StandaloneRuns"/> runs, since one run can be off by a quarter and the loads are multiples of it.
    /// </summary>
    private async Task<(TimeSpan Step, TimeSpan Expansion)> StandaloneAsync(IReadOnlyList<PromptEmbedding> encoded, float guidance,
        CancellationToken cancellationToken)
    {
        await using var host = EngineHost.StartForModels(new EngineOptions(), pipeline, modelsDirectory);
        var request = Request(0, 0, guidance);
        await host.Images!.DenoiseAsync(request with { Steps = 4 }, encoded[0].HiddenStates, encoded[1].HiddenStates, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        var step = await MedianAsync(() => host.Images.DenoiseAsync(request, encoded[0].HiddenStates, encoded[1].HiddenStates,
            cancellationToken: cancellationToken)) / options.Steps;
        if (host.Codec is null)
        {
            return (step, TimeSpan.Zero);
        }
        await ExpandAsync(host, null, cancellationToken).ConfigureAwait(false);
        return (step, await MedianAsync(() => ExpandAsync(host, null, cancellationToken)));
    }

    private static async Task<TimeSpan> MedianAsync(Func<Task> run)
    {
        var times = new List<TimeSpan>(StandaloneRuns);
        for (var i = 0; i < StandaloneRuns; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await run().ConfigureAwait(false);
            times.Add(Stopwatch.GetElapsedTime(started));
        }
        return times.Order().ElementAt(StandaloneRuns / 2);
    }

    private Task<string> ExpandAsync(EngineHost host, RequestOptions? level, CancellationToken cancellationToken) =>
        host.ExpandPromptAsync(LoosePrompt, new SamplingParams { MaxTokens = options.ExpansionTokens, IgnoreEos = true }, cancellationToken, level);

    private GenerationRequest Request(int index, int startStep, float guidance) => new()
    {
        Prompt = Prompt,
        Seed = (ulong)index,
        Steps = options.Steps,
        GuidanceScale = guidance,
        StartStep = startStep,
        // a hit starts from a cached latent; its values do not matter to the schedule
        StartLatent = startStep > 0 ? pipeline.CreateNoise((ulong)index) : null,
    };

    private async Task<SloPoint> MeasureAsync(string name, SchedulerOptions scheduler, double load, double capacity, TimeSpan step, TimeSpan expansion,
        IReadOnlyList<PromptEmbedding> encoded, float guidance, CancellationToken cancellationToken)
    {
        var rate = load * capacity;
        var outcomes = new List<(SloRequest Request, TimeSpan Latency, bool Met)>();
        var busy = TimeSpan.Zero;
        var pauses = 0L;
        StepCostModel? learned = null;
        for (var repeat = 0; repeat < options.Repeats; repeat++)
        {
            var requests = SloWorkload.Generate(options, rate, repeat);
            // the policies start from the measured prices (an expansion is one LLM iteration per token)
            var costs = new StepCostModel(step, expansion / options.ExpansionTokens);
            await using var host = EngineHost.StartForModels(new EngineOptions { Scheduler = scheduler }, pipeline, modelsDirectory, costs: costs);
            var origin = Stopwatch.GetTimestamp();
            outcomes.AddRange(await Task.WhenAll(requests.Select(r => RunAsync(host, origin, r))).ConfigureAwait(false));
            busy += Stopwatch.GetElapsedTime(origin) - requests[0].Arrival;
            pauses += host.Loop.GetStats().Scheduler.Pauses;
            learned = costs;
        }

        var interactive = outcomes.Where(o => o.Request.Class == SloClass.Interactive).ToArray();
        var met = interactive.Count(o => o.Met);
        var attainment = interactive.Length == 0 ? 1 : (double)met / interactive.Length;
        return new SloPoint(name, load, rate, attainment, BinomialError(attainment, interactive.Length), interactive.Length - met,
            Latencies(interactive),
            Latencies(outcomes.Where(o => o.Request.Class == SloClass.Batch)),
            Latencies(outcomes.Where(o => o.Request.Expand)),
            Latencies(interactive.Where(o => o.Request.Expand)),
            outcomes.Count / busy.TotalSeconds,
            pauses)
        {
            FittedOverheadMs = learned!.IterationOverhead.TotalMilliseconds,
            FittedJobStepMs = learned.JobStep.TotalMilliseconds,
        };

        async Task<(SloRequest Request, TimeSpan Latency, bool Met)> RunAsync(EngineHost host, long origin, SloRequest request)
        {
            var wait = request.Arrival - Stopwatch.GetElapsedTime(origin);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            }
            var arrived = DateTimeOffset.UtcNow;
            var arrivedAt = Stopwatch.GetTimestamp();
            var level = new ServiceLevel(request.Class, arrived);
            var imageWork = step * (options.Steps - request.StartStep);
            var due = level.DueFor(Work(request, step, expansion));
            if (request.Expand && host.Codec is not null)
            {
                await ExpandAsync(host, level.Options(due, imageWork), cancellationToken).ConfigureAwait(false);
            }
            await host.Images!.DenoiseAsync(Request(request.Index, request.StartStep, guidance), encoded[0].HiddenStates, encoded[1].HiddenStates,
                options: level.Options(due), cancellationToken: cancellationToken).ConfigureAwait(false);
            return (request, Stopwatch.GetElapsedTime(arrivedAt), due is { } d && DateTimeOffset.UtcNow <= d);
        }
    }

    private static LatencySummary Latencies(IEnumerable<(SloRequest Request, TimeSpan Latency, bool Met)> outcomes) =>
        LatencySummary.Of(outcomes.Select(o => o.Latency.TotalSeconds));

    private static double BinomialError(double p, int n) => n == 0 ? double.NaN : Math.Sqrt(p * (1 - p) / n);

    /// <summary>How many times the baseline's attainment a policy reached: infinite over a baseline that met none, 1 when neither did.</summary>
    private static double Gain(double attainment, double baseline) =>
        baseline > 0 ? attainment / baseline : attainment > 0 ? double.PositiveInfinity : 1;

    private SloBenchReport Summarise(string device, TimeSpan step, TimeSpan expansion, double capacity, List<SloPoint> points, double? half,
        TimeSpan elapsed)
    {
        const string Baseline = "request-fcfs", Iteration = "iteration-fcfs";
        // the load where request-level FCFS attains 50 % (or, where no two loads bracket it, the one closest to it)
        var gainLoad = points.Where(p => p.Policy == Baseline).MinBy(p => half is { } h ? Math.Abs(p.Load - h) : Math.Abs(p.SloAttainment - 0.5))!.Load;
        SloPoint At(string policy, double load) => points.Single(p => p.Policy == policy && p.Load == load);
        var baseline = At(Baseline, gainLoad);
        var unit = options.Loads.MinBy(l => Math.Abs(l - 1.0));
        var iteration = At(Iteration, unit);
        var policies = points.Select(p => p.Policy).Distinct().Where(p => p is not (Baseline or Iteration)).Select(policy =>
        {
            var atGain = At(policy, gainLoad);
            var atUnit = At(policy, unit);
            var gain = Gain(atGain.SloAttainment, baseline.SloAttainment);
            return new PolicyFigures(policy, gain, GainError(gain, atGain, baseline), atUnit.Interactive.P95 / iteration.Interactive.P95,
                atUnit.ExpandedInteractive.P95 / iteration.ExpandedInteractive.P95, atUnit.Expanded.P95 / iteration.Expanded.P95);
        }).ToList();
        var best = policies.MaxBy(p => p.SloAttainmentGain)!;
        return new SloBenchReport(device, options.Steps, options.RequestsPerPoint, options.Repeats, step.TotalSeconds, expansion.TotalSeconds, capacity,
            points, gainLoad, best.Policy, best.SloAttainmentGain, best.SloAttainmentGainStandardError, best.InteractiveP95Ratio, best.ExpandedP95Ratio,
            best.ExpandedAllP95Ratio, policies, elapsed.TotalMinutes);
    }

    /// <summary>The ratio's standard error from both attainments' (delta method); NaN where either is 0.</summary>
    private static double GainError(double gain, SloPoint best, SloPoint baseline) =>
        best.SloAttainment > 0 && baseline.SloAttainment > 0
            ? gain * Math.Sqrt(Math.Pow(best.SloAttainmentStandardError / best.SloAttainment, 2)
                + Math.Pow(baseline.SloAttainmentStandardError / baseline.SloAttainment, 2))
            : double.NaN;
}
