using Diffusion.Inference.Imaging;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Sampling;
using Diffusion.Inference.Scheduling;
using Diffusion.Inference.Tokenization;

namespace Diffusion.Inference.Pipeline;

/// <summary>
/// Text to image: tokenizer → text encoder (prompt and negative prompt) → denoising loop with
/// classifier-free guidance → VAE decoder → PNG. Each piece is also callable alone, for the engine
/// (which batches UNet steps across requests) and the cache (which stores and resumes latents).
/// Thread-safe: requests may run concurrently on one instance.
/// </summary>
public sealed class DiffusionPipeline
{
    private readonly DenoisingLoop _loop;
    private readonly TimeProvider _time;

    private RememberedPrompt? _lastNegative;

    public DiffusionPipeline(DiffusionModels models, TimeProvider? time = null)
    {
        Models = models ?? throw new ArgumentNullException(nameof(models));
        _time = time ?? TimeProvider.System;
        _loop = new DenoisingLoop(models.Unet, _time);
    }

    public DiffusionModels Models { get; }

    /// <summary>Floats in one image's latent ([C,h,w]).</summary>
    public int LatentLength => Models.Unet.SampleLength;

    /// <summary>Tokenizes and encodes prompts in one text-encoder call (one row each).</summary>
    public IReadOnlyList<PromptEmbedding> EncodePrompts(params string[] prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var tokens = prompts.Select(p => Models.Tokenizer.Encode(p ?? throw new ArgumentNullException(nameof(prompts)))).ToArray();
        var encoding = Models.TextEncoder.Encode(tokens.Select(t => t.Ids).ToArray());
        if (encoding.SequenceLength != Models.Unet.SequenceLength || encoding.HiddenSize != Models.Unet.HiddenSize)
        {
            throw new InvalidDataException(
                $"the text encoder gives [{encoding.SequenceLength},{encoding.HiddenSize}] states but the UNet takes [{Models.Unet.SequenceLength},{Models.Unet.HiddenSize}].");
        }
        var result = new PromptEmbedding[prompts.Length];
        for (var i = 0; i < prompts.Length; i++)
        {
            var pooledSize = encoding.Pooled is null ? 0 : encoding.Pooled.Length / encoding.BatchSize;
            result[i] = new PromptEmbedding(
                tokens[i],
                encoding.HiddenStatesOf(i).ToArray(),
                encoding.TextEmbeds is null ? null : encoding.TextEmbedsOf(i).ToArray(),
                encoding.Pooled?.AsSpan(i * pooledSize, pooledSize).ToArray());
        }
        return result;
    }

    public PromptEmbedding EncodePrompt(string prompt) => EncodePrompts(prompt)[0];

    /// <summary>
    /// Encodes a negative prompt, remembering the last one: nearly every request sends the same (usually
    /// empty) negative prompt, so a request whose prompt is already encoded costs no text-encoder call.
    /// </summary>
    public PromptEmbedding EncodeNegativePrompt(string negativePrompt)
    {
        ArgumentNullException.ThrowIfNull(negativePrompt);
        if (Volatile.Read(ref _lastNegative) is { } last && last.Text == negativePrompt)
        {
            return last.Embedding;
        }
        var embedding = EncodePrompt(negativePrompt);
        Volatile.Write(ref _lastNegative, new RememberedPrompt(negativePrompt, embedding));
        return embedding;
    }

    /// <summary>A fresh sampler run for one job on this model's noise schedule.</summary>
    public IDiffusionScheduler CreateScheduler(SchedulerKind kind, int steps) => Models.Schedulers.Create(kind, steps);

    /// <summary>
    /// The sampler run for image <paramref name="image"/> of a request: begun at its start step, and on a
    /// resumed run with resume noise, that noise drawn from the image's own seed (seed + image).
    /// </summary>
    public IDiffusionScheduler CreateRun(GenerationRequest request, int image)
    {
        ArgumentNullException.ThrowIfNull(request);
        var run = CreateScheduler(request.Scheduler, request.Steps);
        if (request.StartStep > 0)
        {
            run.SetBeginIndex(request.StartStep);
        }
        if (request.ResumeNoiseStrength > 0f)
        {
            run.SetResumeNoise(CreateNoise(request.Seed + (ulong)image), request.ResumeNoiseStrength);
        }
        return run;
    }

    /// <summary>Seeded unit noise for one image ([C,h,w]); image i of a request uses seed + i.</summary>
    public float[] CreateNoise(ulong seed)
    {
        var noise = new float[LatentLength];
        new SeededNormalRng(seed).Fill(noise);
        return noise;
    }

    /// <summary>Decodes scheduler-space latents ([count,C,h,w]) to images in [-1,1].</summary>
    public DecodedImages DecodeLatents(ReadOnlySpan<float> latents, int count) =>
        Models.VaeDecoder.Decode(latents, count, Models.Unet.Channels, Models.Unet.LatentHeight, Models.Unet.LatentWidth);

    /// <summary>CLIP image embeddings ([count,E]) of images in [-1,1]; null when the model folder has no image encoder.</summary>
    public float[]? EncodeImages(ReadOnlySpan<float> images, int count, int height, int width) =>
        Models.ImageEncoder?.Encode(images, count, height, width).Embeddings;

    /// <summary>Runs a whole request on the calling thread.</summary>
    public GenerationResult Generate(GenerationRequest request, GenerationHooks? hooks = null, CancellationToken cancellationToken = default) =>
        Generate(request, null, hooks, cancellationToken);

    /// <summary>
    /// Runs a whole request on the calling thread; <paramref name="encodedPrompt"/>, when given, is the request's
    /// prompt already encoded (the cache encodes it for its lookup), so only the negative prompt is encoded here.
    /// </summary>
    public GenerationResult Generate(GenerationRequest request, PromptEmbedding? encodedPrompt, GenerationHooks? hooks = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate(Models.ImageWidth, Models.ImageHeight, LatentLength);
        var started = _time.GetTimestamp();

        var embeddings = encodedPrompt is null
            ? EncodePrompts(request.Prompt, request.NegativePrompt)
            : [encodedPrompt, EncodeNegativePrompt(request.NegativePrompt)];
        var encodeTime = _time.GetElapsedTime(started);

        var n = request.ImageCount;
        var runs = new IDiffusionScheduler[n];
        for (var j = 0; j < n; j++)
        {
            runs[j] = CreateRun(request, j);
        }
        var latents = InitialLatents(request, runs[0].InitNoiseSigma);

        var stats = _loop.Run(runs, latents, embeddings[0].HiddenStates, embeddings[1].HiddenStates, request.GuidanceScale,
            request.CaptureSteps, hooks, cancellationToken, request.OutputReuseThreshold);

        cancellationToken.ThrowIfCancellationRequested();
        var decodeStart = _time.GetElapsedTime(started);
        var images = DecodeLatents(latents, n);
        var pngs = new byte[n][];
        for (var j = 0; j < n; j++)
        {
            pngs[j] = PngImageCodec.EncodePng(images.Image(j), images.Width, images.Height);
        }
        var elapsed = _time.GetElapsedTime(started);
        var timings = new PipelineTimings(encodeTime, stats.Elapsed, elapsed - decodeStart, elapsed, stats.OrtTime);
        return new GenerationResult(pngs, latents, images, embeddings[0], embeddings[1], stats, timings);
    }

    /// <summary>Runs a whole request on the thread pool.</summary>
    public Task<GenerationResult> GenerateAsync(GenerationRequest request, GenerationHooks? hooks = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => Generate(request, hooks, cancellationToken), cancellationToken);

    private float[] InitialLatents(GenerationRequest request, float initNoiseSigma)
    {
        if (request.StartLatent is not null)
        {
            return (float[])request.StartLatent.Clone();
        }
        var latents = new float[request.ImageCount * LatentLength];
        if (request.InitialNoise is not null)
        {
            request.InitialNoise.CopyTo(latents, 0);
        }
        else
        {
            for (var j = 0; j < request.ImageCount; j++)
            {
                new SeededNormalRng(request.Seed + (ulong)j).Fill(latents.AsSpan(j * LatentLength, LatentLength));
            }
        }
        for (var i = 0; i < latents.Length; i++)
        {
            latents[i] *= initNoiseSigma;
        }
        return latents;
    }
}

/// <summary>A prompt through tokenizer and text encoder: UNet conditioning [77,D] and, when the model has them, CLIP embeddings.</summary>
public sealed record PromptEmbedding(TokenizedPrompt Tokens, float[] HiddenStates, float[]? TextEmbeds, float[]? Pooled);

public sealed record PipelineTimings(TimeSpan Encode, TimeSpan Denoise, TimeSpan DecodeAndPng, TimeSpan Total, TimeSpan UnetOrtTime);

/// <summary>The outcome of one request: PNG bytes per image, final latents (scheduler space), decoded pixels, prompts and costs.</summary>
public sealed record GenerationResult(IReadOnlyList<byte[]> Png, float[] FinalLatents, DecodedImages Images,
    PromptEmbedding Prompt, PromptEmbedding NegativePrompt, DenoiseStats Denoise, PipelineTimings Timings);

/// <summary>A prompt text with its encoding (the pipeline's one-entry memory of the negative prompt).</summary>
internal sealed record RememberedPrompt(string Text, PromptEmbedding Embedding);
