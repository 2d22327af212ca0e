using System.Diagnostics;
using Diffusion.Engine;
using Diffusion.Engine.Denoising;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Lab.EngineBench;

/// <summary>The diffusion throughput comparison's workload and method knobs.</summary>
public sealed record DiffusionThroughputOptions
{
    public int MaxBatch { get; init; } = 8;

    public int TotalSteps { get; init; } = 50;

    /// <summary>Remaining steps are uniform in [MinRemaining, MaxRemaining] (cache hits at K = TotalSteps − remaining).</summary>
    public int MinRemaining { get; init; } = 25;

    public int MaxRemaining { get; init; } = 50;

    public float GuidanceScale { get; init; } = 7.5f;

    /// <summary>
    /// The p95 SLO of the headline, as a multiple of a lone job's latency (MaxRemaining steps at batch 1): a
    /// slowdown of 2 means a loaded engine may at most double an idle engine's time for 95% of requests.
    /// </summary>
    public double SloFactor { get; init; } = 2;

    /// <summary>Further SLO factors whose simulated ratios are reported, to show how the gain depends on the SLO.</summary>
    public IReadOnlyList<double> CurveFactors { get; init; } = [1.5, 2, 3, 4, 6];

    /// <summary>Jobs per simulated run (the SLO-rate search).</summary>
    public int SimulatedJobs { get; init; } = 400;

    /// <summary>Jobs per real run (UNet calls) at each mode's SLO rate.</summary>
    public int RealJobs { get; init; } = 40;

    /// <summary>Timed iterations per batch size when calibrating the cost model.</summary>
    public int CalibrationRepeats { get; init; } = 3;

    public int Seed { get; init; } = 1;

    public DiffusionThroughputOptions Validate()
    {
        if (MaxBatch < 1 || TotalSteps < 2 || MinRemaining < 1 || MaxRemaining < MinRemaining || MaxRemaining > TotalSteps
            || !(SloFactor > 1) || CurveFactors.Any(f => !(f > 1)) || SimulatedJobs < 20 || RealJobs < 2 || CalibrationRepeats < 1)
        {
            throw new ArgumentException("DiffusionThroughputOptions: need batch >= 1, 1 <= min <= max remaining <= total steps, "
                + "SLO factor > 1, >= 20 simulated and >= 2 real jobs, >= 1 calibration repeat");
        }

        return this;
    }
}

/// <summary>Each mode's highest arrival rate within one SLO, from the calibrated simulation.</summary>
public sealed record SloRates(double SloFactor, double SloSeconds, double IterationLevel, double RequestLevel)
{
    public double Ratio => RequestLevel <= 0 ? double.PositiveInfinity : IterationLevel / RequestLevel;
}

/// <summary>What the comparison found; the ratio of the real runs is the headline.</summary>
public sealed record DiffusionThroughputResult(
    DiffusionThroughputOptions Options,
    IReadOnlyList<double> IterationSecondsByJobs,
    double LoneJobSeconds,
    double SloSeconds,
    double SimulatedRateIterationLevel,
    double SimulatedRateRequestLevel,
    IReadOnlyList<SloRates> Curve,
    DiffusionLoadResult RealIterationLevel,
    DiffusionLoadResult RealRequestLevel,
    DiffusionLoadResult ModelledIterationLevel,
    DiffusionLoadResult ModelledRequestLevel)
{
    public double SimulatedRatio => SimulatedRateRequestLevel <= 0 ? 0 : SimulatedRateIterationLevel / SimulatedRateRequestLevel;

    public double RealRatio => RealRequestLevel.Throughput <= 0 ? 0 : RealIterationLevel.Throughput / RealRequestLevel.Throughput;

    public const string Method =
        "Equal p95 latency: the SLO is a fixed multiple of a lone job's latency (its longest length at batch 1). For each "
        + "batching mode, the highest Poisson arrival rate whose p95 stays within the SLO is found by bisection over "
        + "simulated runs of the real iteration scheduler whose UNet iterations cost what they were measured to cost (per "
        + "batch size, real UNet calls). Each mode then serves a fresh trace at its own SLO rate with real UNet calls "
        + "(a virtual clock advanced by each iteration's measured wall time, so idle gaps cost no waiting); the headline "
        + "is the ratio of those measured throughputs (jobs/s = jobs / (last finish − first arrival)), shown with the p95 "
        + "each run reached and with the simulation's p95 for the same trace (the cost model's fidelity).";
}

/// <summary>
/// Iteration-level against request-level batching of diffusion jobs of mixed lengths under Poisson arrivals,
/// at equal p95 latency (see <see cref="DiffusionThroughputResult.Method"/>).
/// </summary>
public sealed class DiffusionThroughputBenchmark(DiffusionPipeline pipeline, DiffusionThroughputOptions options, TextWriter? log = null)
{
    private static readonly string[] Prompts =
    [
        "a small cat in the top left corner on a blue background",
        "two dogs on a yellow striped background",
        "a house below a sun on an orange background",
        "a red car on the right on a white gradient background",
    ];

    private readonly DiffusionThroughputOptions _options = options.Validate();
    private readonly LatentShape _shape = new(pipeline.Models.Unet.Channels, pipeline.Models.Unet.LatentHeight, pipeline.Models.Unet.LatentWidth);
    private float[][]? _conditioning;
    private float[]? _unconditional;

    public async Task<DiffusionThroughputResult> RunAsync(CancellationToken cancellationToken)
    {
        EncodeOnce();
        IterationCostModel costs = await CalibrateAsync(cancellationToken).ConfigureAwait(false);
        double lone = _options.MaxRemaining * costs.Seconds(1);
        double slo = _options.SloFactor * lone;
        log?.WriteLine($"diffusion: iteration cost by jobs {string.Join(" ", costs.SecondsByJobs.Skip(1).Select(s => $"{s * 1000:F0}ms"))}; "
            + $"lone job {lone:F2}s, SLO p95 <= {slo:F2}s");

        var simulated = new DiffusionTrace(_options.SimulatedJobs, _options.TotalSteps, _options.MinRemaining, _options.MaxRemaining, _options.Seed);
        double capacity = _options.MaxBatch / (simulated.MeanRemainingSteps * costs.Seconds(costs.MaxJobs));
        var curve = _options.CurveFactors.Union([_options.SloFactor]).Order().Select(factor => new SloRates(factor, factor * lone,
            SearchRate(BatchingMode.IterationLevel, simulated, costs, factor * lone, capacity, cancellationToken),
            SearchRate(BatchingMode.RequestLevel, simulated, costs, factor * lone, capacity, cancellationToken))).ToList();
        foreach (SloRates point in curve)
        {
            log?.WriteLine($"diffusion: SLO {point.SloFactor} x lone: simulated rates {point.IterationLevel:F3}/s (iteration-level), "
                + $"{point.RequestLevel:F3}/s (request-level), ratio {point.Ratio:F2}");
        }

        SloRates headline = curve.Single(p => p.SloFactor == _options.SloFactor);
        if (headline.IterationLevel <= 0 || headline.RequestLevel <= 0)
        {
            throw new InvalidOperationException("no arrival rate met the SLO in simulation; raise the SLO factor");
        }

        var real = new DiffusionTrace(_options.RealJobs, _options.TotalSteps, _options.MinRemaining, _options.MaxRemaining, _options.Seed + 1);
        DiffusionLoadResult realIteration = await RunRealAsync(BatchingMode.IterationLevel, real, headline.IterationLevel, cancellationToken).ConfigureAwait(false);
        DiffusionLoadResult realRequest = await RunRealAsync(BatchingMode.RequestLevel, real, headline.RequestLevel, cancellationToken).ConfigureAwait(false);
        return new DiffusionThroughputResult(_options, costs.SecondsByJobs, lone, slo, headline.IterationLevel, headline.RequestLevel, curve,
            realIteration, realRequest,
            Simulate(BatchingMode.IterationLevel, real, costs, headline.IterationLevel, cancellationToken),
            Simulate(BatchingMode.RequestLevel, real, costs, headline.RequestLevel, cancellationToken));
    }

    private DiffusionLoadResult Simulate(BatchingMode mode, DiffusionTrace trace, IterationCostModel costs, double rate, CancellationToken cancellationToken) =>
        DiffusionLoadRun.RunAsync(mode, _options.MaxBatch, trace, rate, _shape, guided: true, (_, spec) => spec, costs.AsRunner(),
            IterationClock.RunnerReported, cancellationToken).GetAwaiter().GetResult(); // the modelled runner completes synchronously

    private double SearchRate(BatchingMode mode, DiffusionTrace trace, IterationCostModel costs, double slo, double capacity,
        CancellationToken cancellationToken) =>
        SloRateSearch.MaxRate(rate => Simulate(mode, trace, costs, rate, cancellationToken).P95, slo, capacity / 100, capacity * 1.5, steps: 16);

    private async Task<DiffusionLoadResult> RunRealAsync(BatchingMode mode, DiffusionTrace trace, double rate, CancellationToken cancellationToken)
    {
        var runner = new UnetDiffusionStepRunner(pipeline.Models.Unet);
        DiffusionLoadResult result = await DiffusionLoadRun.RunAsync(mode, _options.MaxBatch, trace, rate, _shape, guided: true, MakeJob, runner,
            IterationClock.WallTime, cancellationToken).ConfigureAwait(false);
        log?.WriteLine($"diffusion: real {mode} at {rate:F3}/s: {result.Throughput:F3} jobs/s, p95 {result.P95:F2}s, mean batch {result.MeanBatch:F1}");
        return result;
    }

    private DiffusionJobSpec MakeJob(DiffusionArrival arrival, DiffusionJobSpec spec)
    {
        IDiffusionScheduler scheduler = pipeline.CreateScheduler(SchedulerKind.Ddim, _options.TotalSteps);
        if (arrival.StartStep > 0)
        {
            scheduler.SetBeginIndex(arrival.StartStep);
        }

        // Which prompt and noise a job gets does not change its cost; they only keep the math realistic.
        int which = (int)(arrival.Seconds * 1000) % Prompts.Length;
        float[] latent = pipeline.CreateNoise((ulong)arrival.StartStep + 1);
        for (int i = 0; i < latent.Length; i++)
        {
            latent[i] *= scheduler.InitNoiseSigma;
        }

        return spec with
        {
            InitialLatent = latent,
            Conditioning = new DenoisingJobState(scheduler, _conditioning![which], _unconditional, _options.GuidanceScale),
        };
    }

    /// <summary>Cost of one iteration with 1..MaxBatch jobs: the median of real iterations (schedule, UNet step, update).</summary>
    private async Task<IterationCostModel> CalibrateAsync(CancellationToken cancellationToken)
    {
        var runner = new UnetDiffusionStepRunner(pipeline.Models.Unet);
        var seconds = new double[_options.MaxBatch + 1];
        await TimeIterationsAsync(runner, _options.MaxBatch, 2, cancellationToken).ConfigureAwait(false); // JIT and ORT warm-up
        for (int jobs = 1; jobs <= _options.MaxBatch; jobs++)
        {
            double[] times = await TimeIterationsAsync(runner, jobs, _options.CalibrationRepeats, cancellationToken).ConfigureAwait(false);
            seconds[jobs] = times.Order().ElementAt(times.Length / 2);
        }

        return new IterationCostModel(seconds);
    }

    private async Task<double[]> TimeIterationsAsync(UnetDiffusionStepRunner runner, int jobs, int iterations, CancellationToken cancellationToken)
    {
        var spec = new DiffusionJobSpec { TotalSteps = _options.TotalSteps, Shape = _shape, ClassifierFreeGuidance = true };
        int blockBytes = (int)((spec.WorkingBytes + 63) / 64 * 64);
        using var pool = new BlockPool(new BlockPoolOptions { BudgetBytes = (long)jobs * blockBytes, Planes = 1, PlaneBlockBytes = blockBytes });
        var scheduler = new IterationScheduler(new SchedulerOptions { MaxDiffusionBatch = jobs }, new KvCacheManager(pool, new KvCacheOptions()));
        for (int j = 0; j < jobs; j++)
        {
            scheduler.Add(new DiffusionJob(new RequestId(j + 1), MakeJob(new DiffusionArrival(j, 0), spec)));
        }

        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long started = Stopwatch.GetTimestamp();
            SchedulePlan plan = scheduler.Schedule();
            DiffusionBatchOutput output = await runner.RunStepAsync(plan.Diffusion!, cancellationToken).ConfigureAwait(false);
            scheduler.Update(plan, null, output);
            times[i] = Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        return times;
    }

    private void EncodeOnce()
    {
        if (_conditioning is not null)
        {
            return;
        }

        IReadOnlyList<PromptEmbedding> encoded = pipeline.EncodePrompts([.. Prompts, ""]);
        _conditioning = encoded.Take(Prompts.Length).Select(e => e.HiddenStates).ToArray();
        _unconditional = encoded[^1].HiddenStates;
    }
}
