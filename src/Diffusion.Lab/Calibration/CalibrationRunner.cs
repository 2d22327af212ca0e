using System.Diagnostics;
using Diffusion.Cache.Embeddings;
using Diffusion.Cache.Policy;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Scoring;
using Diffusion.Lab.Serving;

namespace Diffusion.Lab.Calibration;

/// <summary>
/// Measures planned pairs: for each, the source's full run (capturing its latents at the cache steps), the
/// target's full run with the same seed, and the target run from the source's latent at every K. Then the
/// judge scores the target images, and CLIP image embeddings give the prompt→image similarity (target text
/// vs source image) and each K run's closeness to the target's full run. All runs are diffusion jobs of the
/// serving engine (<see cref="ServingEngine"/>), stepped together in iteration-level batches.
/// </summary>
public sealed class CalibrationRunner
{
    private readonly DiffusionPipeline _pipeline;
    private readonly SceneJudge _judge;
    private readonly CalibrationOptions _options;
    private readonly TextWriter? _progress;

    public CalibrationRunner(DiffusionPipeline pipeline, SceneJudge judge, CalibrationOptions options, TextWriter? progress)
    {
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _judge = judge ?? throw new ArgumentNullException(nameof(judge));
        _options = options.Validate();
        _progress = progress;
        if (pipeline.Models.ImageEncoder is null)
        {
            throw new InvalidOperationException($"calibration needs the CLIP image encoder (image_encoder/), which {pipeline.Models.Folder.Root} lacks.");
        }
    }

    private enum Role
    {
        Source,
        TargetFull,
        TargetFromSource,
    }

    private sealed record Tag(int Pair, Role Role, int K);

    public async Task<IReadOnlyList<CalibrationPair>> MeasureAsync(IReadOnlyList<PlannedPair> pairs, CancellationToken cancellationToken)
    {
        var points = new CachePoints(_options.CachePoints, 50);
        var scaled = points.ReferenceKs.ToDictionary(k => k, k => points.Scale(k, _options.Steps));
        var captureSteps = scaled.Values.ToHashSet();
        var negative = _pipeline.EncodePrompt("");
        var prompts = EncodeAll(pairs.SelectMany(p => new[] { p.Source, p.Target }).Distinct().ToArray());
        var jobsPerBatch = Math.Max(1, _options.BatchRows / (_options.GuidanceScale > 1f ? 2 : 1));

        var images = new System.Collections.Concurrent.ConcurrentDictionary<Tag, float[]>();
        var total = pairs.Count * (2 + scaled.Count);
        var watch = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        // Jobs beyond one batch wait here rather than in the engine, so a pair's K runs join soon after its source ends.
        using var slots = new SemaphoreSlim(jobsPerBatch);
        await using (var engine = ServingEngine.Start(_pipeline, jobsPerBatch))
        {
            await Task.WhenAll(pairs.Select((pair, index) => MeasurePairAsync(engine, pair, index))).ConfigureAwait(false);
        }
        _progress?.WriteLine($"calibrate: {total} runs in {watch.Elapsed.TotalMinutes:0.0} min; judging and embedding images");
        return Score(pairs, prompts, images, scaled.Keys.ToArray());

        async Task MeasurePairAsync(ServingEngine engine, PlannedPair pair, int index)
        {
            var sourceLatents = new System.Collections.Concurrent.ConcurrentDictionary<int, float[]>();
            var source = RunAsync(engine, pair.Source, pair.Seed, 0, null, new Tag(index, Role.Source, 0), captureSteps,
                c => sourceLatents[c.Step] = c.Latents);
            var full = RunAsync(engine, pair.Target, pair.Seed, 0, null, new Tag(index, Role.TargetFull, 0), null, null);
            await source.ConfigureAwait(false);
            await Task.WhenAll(scaled.Select(kv => RunAsync(engine, pair.Target, pair.Seed, kv.Value, sourceLatents[kv.Value],
                new Tag(index, Role.TargetFromSource, kv.Key), null, null)).Append(full)).ConfigureAwait(false);
        }

        async Task RunAsync(ServingEngine engine, string prompt, ulong seed, int start, float[]? startLatent, Tag tag,
            IReadOnlySet<int>? capture, Action<LatentCapture>? onCapture)
        {
            var request = new GenerationRequest
            {
                Prompt = prompt,
                Seed = seed,
                Steps = _options.Steps,
                GuidanceScale = _options.GuidanceScale,
                Scheduler = _options.Scheduler,
                StartStep = start,
                StartLatent = startLatent,
                CaptureSteps = capture,
            };
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            float[] latent;
            try
            {
                (latent, _) = await engine.DenoiseAsync(request, prompts[prompt], negative, onCapture, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                slots.Release();
            }
            images[tag] = _pipeline.DecodeLatents(latent, 1).Image(0).ToArray();
            lock (images)
            {
                if (_progress is not null && watch.Elapsed - lastReport > TimeSpan.FromSeconds(10))
                {
                    lastReport = watch.Elapsed;
                    _progress.WriteLine($"calibrate: {images.Count}/{total} runs done, {watch.Elapsed.TotalMinutes:0.0} min");
                }
            }
        }
    }

    private IReadOnlyList<CalibrationPair> Score(IReadOnlyList<PlannedPair> pairs, Dictionary<string, PromptEmbedding> prompts,
        IReadOnlyDictionary<Tag, float[]> images, int[] ks)
    {
        var height = _pipeline.Models.ImageHeight;
        var width = _pipeline.Models.ImageWidth;
        var keys = images.Keys.ToArray();
        var embeddings = new Dictionary<Tag, float[]>();
        foreach (var chunk in keys.Chunk(64))
        {
            var flat = chunk.SelectMany(k => images[k]).ToArray();
            var raw = _pipeline.EncodeImages(flat, chunk.Length, height, width)!;
            var size = raw.Length / chunk.Length;
            for (var i = 0; i < chunk.Length; i++)
            {
                embeddings[chunk[i]] = EmbeddingVectors.Normalize(raw.AsSpan(i * size, size));
            }
        }
        var judged = keys.Where(k => k.Role != Role.Source).ToArray();
        var checks = new Dictionary<Tag, IReadOnlyDictionary<string, bool>>();
        foreach (var chunk in judged.Chunk(64))
        {
            var flat = chunk.SelectMany(k => images[k]).ToArray();
            var scored = _judge.Score(flat, chunk.Select(k => (pairs[k.Pair].TargetScene, pairs[k.Pair].Target)).ToArray());
            for (var i = 0; i < chunk.Length; i++)
            {
                checks[chunk[i]] = scored[i];
            }
        }

        var result = new List<CalibrationPair>(pairs.Count);
        for (var p = 0; p < pairs.Count; p++)
        {
            var pair = pairs[p];
            var source = EmbeddingVectors.OfPrompt(prompts[pair.Source]);
            var target = EmbeddingVectors.OfPrompt(prompts[pair.Target]);
            var full = new Tag(p, Role.TargetFull, 0);
            var fullChecks = checks[full];
            var byK = ks.Select(k =>
            {
                var run = new Tag(p, Role.TargetFromSource, k);
                return new KOutcome(k, checks[run].Values.Count(ok => ok), checks[run].Count,
                    MeanAbsoluteDifference(images[run], images[full]) / 2,  // [-1,1] pixels → [0,1] units
                    EmbeddingVectors.Cosine(embeddings[run], embeddings[full]));
            }).ToArray();
            result.Add(new CalibrationPair(pair.Source, pair.Target, pair.Relation, pair.Seed,
                EmbeddingVectors.Cosine(source, target),
                target.Length == embeddings[new Tag(p, Role.Source, 0)].Length ? EmbeddingVectors.Cosine(target, embeddings[new Tag(p, Role.Source, 0)]) : double.NaN,
                fullChecks.Values.Count(ok => ok), fullChecks.Count, byK));
        }
        return result;
    }

    private Dictionary<string, PromptEmbedding> EncodeAll(string[] prompts)
    {
        var result = new Dictionary<string, PromptEmbedding>(StringComparer.Ordinal);
        foreach (var chunk in prompts.Chunk(32))
        {
            var encoded = _pipeline.EncodePrompts(chunk);
            for (var i = 0; i < chunk.Length; i++)
            {
                result[chunk[i]] = encoded[i];
            }
        }
        return result;
    }

    private static double MeanAbsoluteDifference(float[] a, float[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            // the images as shown: clamped to the displayable range
            sum += Math.Abs(Math.Clamp(a[i], -1f, 1f) - Math.Clamp(b[i], -1f, 1f));
        }
        return sum / a.Length;
    }
}
