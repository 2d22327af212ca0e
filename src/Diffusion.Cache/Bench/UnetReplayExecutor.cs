using System.Diagnostics;
using Diffusion.Cache.Denoising;
using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Scoring;
using Diffusion.Cache.Traces;
using Diffusion.Evaluation.World;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Cache.Bench;

/// <summary>
/// Real denoising for a replay: every in-flight request steps in one UNet call per iteration
/// (<see cref="IterationBatcher"/>), finished ones are decoded at once; then, off the timed path,
/// their CLIP image embeddings, CLIP scores and judge checks.
/// </summary>
public sealed class UnetReplayExecutor : IReplayExecutor
{
    private readonly DiffusionPipeline _pipeline;
    private readonly SceneJudge _judge;
    private readonly CanonicalPromptParser _parser;
    private readonly float _guidance;
    private readonly SchedulerKind _scheduler;
    private readonly IterationBatcher _batcher;
    private readonly PromptEmbedding _negative;
    private readonly Dictionary<int, PromptEmbedding> _encoded = [];

    public UnetReplayExecutor(DiffusionPipeline pipeline, SceneJudge judge, CanonicalPromptParser parser, int concurrency, float guidance,
        SchedulerKind scheduler)
    {
        _pipeline = pipeline;
        _judge = judge;
        _parser = parser;
        _guidance = guidance;
        _scheduler = scheduler;
        _batcher = new IterationBatcher(pipeline.Models.Unet, 2 * concurrency);
        _negative = pipeline.EncodePrompt("");
    }

    public int ActiveCount => _batcher.Active.Count;

    public (float[] Embedding, TimeSpan Time) Embed(TraceRequest request)
    {
        var started = Stopwatch.GetTimestamp();
        var encoded = _pipeline.EncodePrompt(request.Prompt);
        var embedding = EmbeddingVectors.OfPrompt(encoded);
        _encoded[request.Index] = encoded;
        return (embedding, Stopwatch.GetElapsedTime(started));
    }

    public void Start(ReplayJob job)
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
        };
        _batcher.Add(DenoiseJobs.ForRequest(_pipeline, request, prompt, _negative, job.OnCapture, job));
    }

    public IReadOnlyList<ReplayJob> Step()
    {
        var finished = _batcher.Step();
        if (finished.Count == 0)
        {
            return [];
        }
        var decoded = _pipeline.DecodeLatents(finished.SelectMany(j => j.Latent).ToArray(), finished.Count);
        var jobs = new ReplayJob[finished.Count];
        for (var i = 0; i < finished.Count; i++)
        {
            jobs[i] = (ReplayJob)finished[i].Tag!;
            jobs[i].Image = decoded.Image(i).ToArray();
        }
        return jobs;
    }

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
}
