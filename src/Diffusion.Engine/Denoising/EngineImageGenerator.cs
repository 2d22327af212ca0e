using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Imaging;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Engine.Denoising;

/// <summary>
/// Text to image through the engine: the prompt is encoded on the caller's side, each image becomes one
/// diffusion job (its own sampler run, begin index = the request's start step) whose denoising steps the
/// engine loop batches with every other job's, and the final latents are decoded to PNG. Takes the
/// pipeline's <see cref="GenerationRequest"/> and returns its <see cref="GenerationResult"/>, so the same
/// request gives the same latents either way. Thread-safe.
/// </summary>
public sealed class EngineImageGenerator
{
    private readonly EngineLoop _loop;
    private readonly DiffusionPipeline _pipeline;
    private readonly TimeProvider _time;

    public EngineImageGenerator(EngineLoop loop, DiffusionPipeline pipeline, TimeProvider? time = null)
    {
        _loop = loop ?? throw new ArgumentNullException(nameof(loop));
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _time = time ?? TimeProvider.System;
        var unet = pipeline.Models.Unet;
        Shape = new LatentShape(unet.Channels, unet.LatentHeight, unet.LatentWidth);
    }

    public LatentShape Shape { get; }

    /// <summary>Encodes the prompts, then runs <see cref="GenerateAsync(GenerationRequest, PromptEmbedding, PromptEmbedding, GenerationHooks?, RequestOptions?, CancellationToken)"/>.</summary>
    public async Task<GenerationResult> GenerateAsync(GenerationRequest request, GenerationHooks? hooks = null,
        RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        long started = _time.GetTimestamp();
        IReadOnlyList<PromptEmbedding> embeddings = await Task.Run(
            () => _pipeline.EncodePrompts(request.Prompt, request.NegativePrompt), cancellationToken).ConfigureAwait(false);
        return await GenerateAsync(request, embeddings[0], embeddings[1], hooks, options, cancellationToken, started).ConfigureAwait(false);
    }

    /// <summary>For callers that already encoded the prompt (the cache, for its lookup): encodes only the negative prompt.</summary>
    public async Task<GenerationResult> GenerateAsync(GenerationRequest request, PromptEmbedding prompt, GenerationHooks? hooks = null,
        RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(prompt);
        Validate(request);
        long started = _time.GetTimestamp();
        PromptEmbedding negative = await Task.Run(() => _pipeline.EncodeNegativePrompt(request.NegativePrompt), cancellationToken).ConfigureAwait(false);
        return await GenerateAsync(request, prompt, negative, hooks, options, cancellationToken, started).ConfigureAwait(false);
    }

    /// <summary>
    /// For callers that already encoded the prompts (the cache looks the embedding up first):
    /// <paramref name="prompt"/> and <paramref name="negativePrompt"/> must be the encodings of the request's texts.
    /// </summary>
    public Task<GenerationResult> GenerateAsync(GenerationRequest request, PromptEmbedding prompt, PromptEmbedding negativePrompt,
        GenerationHooks? hooks = null, RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        return GenerateAsync(request, prompt, negativePrompt, hooks, options, cancellationToken, _time.GetTimestamp());
    }

    /// <summary>The denoising part alone: final latents ([ImageCount,C,h,w], scheduler space) and what it cost.</summary>
    public async Task<(float[] Latents, DenoiseStats Stats)> DenoiseAsync(GenerationRequest request, float[] conditional, float[] unconditional,
        GenerationHooks? hooks = null, RequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        int n = request.ImageCount, length = Shape.Elements;
        long started = _time.GetTimestamp();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CaptureAssembler? captures = hooks?.LatentCaptured is { } deliver && request.CaptureSteps is { Count: > 0 }
            ? new CaptureAssembler(n, length, deliver)
            : null;
        var states = new DenoisingJobState[n];
        var handles = new DiffusionJobHandle[n];
        var progressTasks = new List<Task>();
        bool succeeded = false;
        try
        {
            RequestProgress? progress = hooks?.StepCompleted is { } report
                ? new RequestProgress(n, request.Steps, request.StartStep, report, () => _time.GetElapsedTime(started))
                : null;
            for (int j = 0; j < n; j++)
            {
                IDiffusionScheduler scheduler = _pipeline.CreateRun(request, j);

                states[j] = new DenoisingJobState(scheduler, conditional, unconditional, request.GuidanceScale,
                    request.CaptureSteps, captures?.ForImage(j), StepOutputReuse.For(request.OutputReuseThreshold, length));
                handles[j] = _loop.SubmitDiffusion(new DiffusionJobSpec
                {
                    TotalSteps = request.Steps,
                    StartStep = request.StartStep,
                    Shape = Shape,
                    ClassifierFreeGuidance = states[j].Guided,
                    InitialLatent = InitialLatent(request, j, scheduler.InitNoiseSigma),
                    Conditioning = states[j],
                }, options, linked.Token);
                if (progress is not null)
                {
                    progressTasks.Add(ForwardStepsAsync(handles[j], j, progress));
                }
            }

            DiffusionJobResult[] results = await Task.WhenAll(handles.Select(h => h.Completion)).ConfigureAwait(false);
            await Task.WhenAll(progressTasks).ConfigureAwait(false);
            var latents = new float[n * length];
            for (int j = 0; j < n; j++)
            {
                results[j].FinalLatent.CopyTo(latents, j * length);
            }

            succeeded = true;
            var stats = new DenoiseStats(request.Steps - request.StartStep, n * (states[0].Guided ? 2 : 1),
                _time.GetElapsedTime(started), TimeSpan.FromTicks(states.Sum(s => s.UnetTime.Ticks)))
            {
                // the request waited until its last image's job first stepped
                Waited = results.Max(r => r.Waited),
                ReusedSteps = states.Sum(s => s.OutputReuse?.Reused ?? 0),
            };
            return (latents, stats);
        }
        finally
        {
            if (!succeeded)
            {
                // One image failed or the caller gave up: the request's other jobs stop too.
                await linked.CancelAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<GenerationResult> GenerateAsync(GenerationRequest request, PromptEmbedding prompt, PromptEmbedding negativePrompt,
        GenerationHooks? hooks, RequestOptions? options, CancellationToken cancellationToken, long started)
    {
        TimeSpan encodeTime = _time.GetElapsedTime(started);
        (float[] latents, DenoiseStats stats) = await DenoiseAsync(request, prompt.HiddenStates, negativePrompt.HiddenStates, hooks, options,
            cancellationToken).ConfigureAwait(false);
        TimeSpan decodeStart = _time.GetElapsedTime(started);
        int n = request.ImageCount;
        (DecodedImages images, byte[][] pngs) = await Task.Run(() =>
        {
            DecodedImages decoded = _pipeline.DecodeLatents(latents, n);
            var encoded = new byte[n][];
            for (int j = 0; j < n; j++)
            {
                encoded[j] = PngImageCodec.EncodePng(decoded.Image(j), decoded.Width, decoded.Height);
            }

            return (decoded, encoded);
        }, cancellationToken).ConfigureAwait(false);
        TimeSpan elapsed = _time.GetElapsedTime(started);
        var timings = new PipelineTimings(encodeTime, stats.Elapsed, elapsed - decodeStart, elapsed, stats.OrtTime);
        return new GenerationResult(pngs, latents, images, prompt, negativePrompt, stats, timings);
    }

    private void Validate(GenerationRequest request) =>
        request.Validate(_pipeline.Models.ImageWidth, _pipeline.Models.ImageHeight, Shape.Elements);

    /// <summary>The latent entering the start step, as the pipeline makes it: the cached latent as is, or unit noise × init σ.</summary>
    private float[] InitialLatent(GenerationRequest request, int image, float initNoiseSigma)
    {
        int length = Shape.Elements;
        if (request.StartLatent is not null)
        {
            return request.StartLatent.AsSpan(image * length, length).ToArray();
        }

        float[] latent = request.InitialNoise is not null
            ? request.InitialNoise.AsSpan(image * length, length).ToArray()
            : _pipeline.CreateNoise(request.Seed + (ulong)image);
        for (int i = 0; i < latent.Length; i++)
        {
            latent[i] *= initNoiseSigma;
        }

        return latent;
    }

    private static async Task ForwardStepsAsync(DiffusionJobHandle handle, int image, RequestProgress progress)
    {
        try
        {
            await foreach (DiffusionStepEvent step in handle.StreamStepsAsync().ConfigureAwait(false))
            {
                progress.OnStep(image, step.CompletedSteps);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or EngineRequestException)
        {
            // The job ended without a result; its Completion carries the reason to the caller.
        }
    }
}
