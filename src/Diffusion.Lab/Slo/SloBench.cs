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
/// <see cref="SloSweep"/> decides which runs to play; this class plays each on a fresh engine in real time.
/// </summary>
public sealed class SloBench(DiffusionPipeline pipeline, string modelsDirectory, SloBenchOptions options, TextWriter? progress)
{
    private const string Prompt = "a large cat in the center on a blue background";
    private const string LoosePrompt = "a cat";

    public async Task<SloBenchReport> RunAsync(string device, CancellationToken cancellationToken)
    {
        options.Validate();
        var encoded = pipeline.EncodePrompts(Prompt, "");
        var guidance = pipeline.Models.Folder.DefaultGuidanceScale;
        var (step, expansion) = await StandaloneAsync(encoded, guidance, cancellationToken).ConfigureAwait(false);
        return await new SloSweep(options, step, expansion,
                (scheduler, requests) => RunOnceAsync(scheduler, requests, step, expansion, encoded, guidance, cancellationToken), progress)
            .RunAsync(device, cancellationToken).ConfigureAwait(false);
    }

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
    private async Task<SloRun> RunOnceAsync(SchedulerOptions scheduler, IReadOnlyList<SloRequest> requests, TimeSpan step, TimeSpan expansion,
        IReadOnlyList<PromptEmbedding> encoded, float guidance, CancellationToken cancellationToken)
    {
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
            var imageWork = SloWorkload.ImageWork(options, request, step);
            var due = level.DueFor(SloWorkload.Work(options, request, step, expansion));
            if (request.Expand && host.Codec is not null)
            {
                await ExpandAsync(host, level.Options(due, imageWork), cancellationToken).ConfigureAwait(false);
            }
            await host.Images!.DenoiseAsync(Request(request.Index, request.StartStep, guidance), encoded[0].HiddenStates, encoded[1].HiddenStates,
                options: level.Options(due), cancellationToken: cancellationToken).ConfigureAwait(false);
            return (request, Stopwatch.GetElapsedTime(arrivedAt), due is { } d && DateTimeOffset.UtcNow <= d);
        }
    }
}
