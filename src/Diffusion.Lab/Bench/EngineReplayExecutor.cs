using System.Diagnostics;
using Diffusion.Cache.Embeddings;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;
using Diffusion.Lab.Scoring;
using Diffusion.Lab.Serving;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Bench;

/// <summary>
/// Real denoising for a replay through the engine that serves requests (<see cref="ServingEngine"/>): every
/// started request is a diffusion job of the <c>EngineLoop</c>, stepped with the others in one UNet call per
/// iteration; finished ones are decoded at once. Then, off the timed path and with the engine held, their
/// CLIP image embeddings, CLIP scores and judge checks.
/// </summary>
public sealed class EngineReplayExecutor : IReplayExecutor, IAsyncDisposable
{
    private readonly DiffusionPipeline _pipeline;
    private readonly SceneJudge _judge;
    private readonly CanonicalPromptParser _parser;
    private readonly float _guidance;
    private readonly SchedulerKind _scheduler;
    private readonly float _outputReuse;
    private readonly ServingEngine _engine;
    private readonly PromptEmbedding _negative;
    private readonly Dictionary<int, PromptEmbedding> _encoded = [];
    private readonly List<(ReplayJob Job, Task<(float[] Latent, DenoiseStats Stats)> Run)> _running = [];

    /// <param name="outputReuse">Every run's within-request output reuse threshold (<see cref="GenerationRequest.OutputReuseThreshold"/>; 0: off).</param>
    public EngineReplayExecutor(DiffusionPipeline pipeline, SceneJudge judge, CanonicalPromptParser parser, int concurrency, float guidance,
        SchedulerKind scheduler, float outputReuse = 0)
    {
        _outputReuse = outputReuse;
        _pipeline = pipeline;
        _judge = judge;
        _parser = parser;
        _guidance = guidance;
        _scheduler = scheduler;
        _negative = pipeline.EncodePrompt("");
        _engine = ServingEngine.Start(pipeline, maxBatch: concurrency);
    }

    public int ActiveCount => _running.Count;

    public (float[] Embedding, TimeSpan Time) Embed(TraceRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        var encoded = _pipeline.EncodePrompt(request.Prompt);
        var embedding = EmbeddingVectors.OfPrompt(encoded);
        _encoded[request.Index] = encoded;
        return (embedding, Stopwatch.GetElapsedTime(started));
    }

    public void Start(ReplayJob job, CancellationToken cancellationToken)
    {
        if (!_encoded.Remove(job.Request.Index, out var prompt))
        {
            throw new InvalidOperationException($"request {job.Request.Index} was not embedded before it started.");
        }
        var request = new GenerationRequest
        {
            Prompt = job.Request.Prompt,
            Seed = unchecked((ulong)job.Request.Seed),
            Steps = job.Steps,
            GuidanceScale = _guidance,
            Scheduler = _scheduler,
            StartStep = job.StartStep,
            StartLatent = job.StartLatent,
            ResumeNoiseStrength = job.ResumeNoiseStrength,
            CaptureSteps = job.CaptureSteps,
            OutputReuseThreshold = _outputReuse,
        };
        _running.Add((job, _engine.DenoiseAsync(request, prompt, _negative, job.OnCapture, cancellationToken)));
    }

    public async Task<IReadOnlyList<ReplayJob>> AdvanceAsync(CancellationToken cancellationToken)
    {
        if (_running.Count == 0)
        {
            return [];
        }
        await Task.WhenAny(_running.Select(r => r.Run)).WaitAsync(cancellationToken).ConfigureAwait(false);
        var finished = _running.Where(r => r.Run.IsCompleted).ToArray();
        // exactly those: a job the engine finishes meanwhile waits for the next call instead of being dropped unseen
        _running.RemoveAll(r => finished.Contains(r));
        var latents = new List<float>();
        foreach (var (job, run) in finished)
        {
            var (latent, stats) = await run.ConfigureAwait(false); // a failed job throws here, as the UNet would have
            latents.AddRange(latent);
            job.ReusedSteps = stats.ReusedSteps;
        }
        var decoded = _pipeline.DecodeLatents(latents.ToArray(), finished.Length);
        var jobs = new ReplayJob[finished.Length];
        for (var i = 0; i < finished.Length; i++)
        {
            jobs[i] = finished[i].Job;
            jobs[i].Image = decoded.Image(i).ToArray();
        }
        return jobs;
    }

    public Task<IDisposable> HoldAsync(CancellationToken cancellationToken) => _engine.HoldAsync(cancellationToken);

    public IReadOnlyList<FinishedRun> Finish(IReadOnlyList<ReplayJob> finished)
    {
        if (finished.Count == 0)
        {
            return [];
        }
        var height = _pipeline.Models.ImageHeight;
        var width = _pipeline.Models.ImageWidth;
        var pixels = finished.SelectMany(j => j.Image!).ToArray();
        var raw = _pipeline.EncodeImages(pixels, finished.Count, height, width);
        var checks = _judge.Score(pixels, finished.Select(j => (_parser.Parse(j.Request.Prompt), j.Request.Prompt)).ToArray());
        var runs = new FinishedRun[finished.Count];
        for (var i = 0; i < finished.Count; i++)
        {
            float[]? embedding = null;
            var clip = double.NaN;
            if (raw is not null)
            {
                var size = raw.Length / finished.Count;
                embedding = raw.AsSpan(i * size, size).ToArray();
                if (size == finished[i].Embedding.Length)
                {
                    clip = EmbeddingVectors.Cosine(finished[i].Embedding, embedding);
                }
            }
            runs[i] = new FinishedRun(embedding, checks[i], clip);
            finished[i].Image = null; // scored: free the pixels
            _encoded.Remove(finished[i].Request.Index); // a job answered from an image cache never started
        }
        return runs;
    }

    public ValueTask DisposeAsync() => _engine.DisposeAsync();
}
