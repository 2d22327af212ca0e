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
/// A probe of request-level FCFS alone (one repeat per load) finds the load where it crosses 50 % attainment, which
/// joins the sweep, since the headline gain is defined there (<see cref="SloHeadline"/> reads it from the sweep itself). Then every policy runs at every load, interleaved: at
/// each load and repeat all policies run back to back on the same arrivals, so the machine's drift over the run's
/// minutes falls on every policy alike instead of on whichever ran last.
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

        var policies = SloBenchOptions.Policies(options.MaxDiffusionBatch);
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
                    runs[name].Add(await RunAtAsync(scheduler, load, repeat).ConfigureAwait(false));
                }
            }
            foreach (var (name, _) in policies)
            {
                var point = Point(name, load, runs[name]);
                points.Add(point);
                progress?.WriteLine($"bench slo: {name} at {load:0.000}x: attainment {point.SloAttainment:0.000}, interactive p95 "
                    + $"{point.Interactive.P95:0.00} s, {point.ThroughputPerSecond:0.00}/s, {point.Pauses} pauses; an iteration costs "
                    + $"{point.FittedOverheadMs:0.00} ms + {point.FittedJobStepMs:0.00} ms per job as the scheduler learned it");
            }
        }
        var names = policies.Select(p => p.Name).ToList();
        var ordered = points.OrderBy(p => names.IndexOf(p.Policy)).ToList();   // by policy, each in sweep order (the sort is stable)
        return SloHeadline.Summarise(device, options.Steps, options.RequestsPerPoint, options.Repeats, step.TotalSeconds, expansion.TotalSeconds,
            capacity, ordered, watch.Elapsed.TotalMinutes) with { Probe = probe };

        Task<SloRun> RunAtAsync(SchedulerOptions scheduler, double load, int repeat) =>
            RunOnceAsync(scheduler, load * capacity, repeat, step, expansion, encoded, guidance, cancellationToken);

        SloPoint Point(string name, double load, IReadOnlyList<SloRun> runs) => Pool(name, load, load * capacity, runs);
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

    /// <summary>One run of one policy: the point's requests for one repeat, on a fresh engine.</summary>
    private sealed record SloRun(IReadOnlyList<(SloRequest Request, TimeSpan Latency, bool Met)> Outcomes, TimeSpan Busy, long Pauses,
        StepCostModel Learned);

    private async Task<SloRun> RunOnceAsync(SchedulerOptions scheduler, double rate, int repeat, TimeSpan step, TimeSpan expansion,
        IReadOnlyList<PromptEmbedding> encoded, float guidance, CancellationToken cancellationToken)
    {
        var requests = SloWorkload.Generate(options, rate, repeat);
        // the policies start from the measured prices (an expansion is one LLM iteration per token)
        var costs = new StepCostModel(step, expansion / options.ExpansionTokens);
        await using var host = EngineHost.StartForModels(new EngineOptions { Scheduler = scheduler }, pipeline, modelsDirectory, costs: costs);
        var origin = Stopwatch.GetTimestamp();
        var outcomes = await Task.WhenAll(requests.Select(r => RunAsync(host, origin, r))).ConfigureAwait(false);
        return new SloRun(outcomes, Stopwatch.GetElapsedTime(origin) - requests[0].Arrival, host.Loop.GetStats().Scheduler.Pauses, costs);

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
        };
    }

    private static LatencySummary Latencies(IEnumerable<(SloRequest Request, TimeSpan Latency, bool Met)> outcomes) =>
        LatencySummary.Of(outcomes.Select(o => o.Latency.TotalSeconds));

    private static double BinomialError(double p, int n) => n == 0 ? double.NaN : Math.Sqrt(p * (1 - p) / n);
}
