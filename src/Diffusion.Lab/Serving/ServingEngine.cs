using Diffusion.Engine;
using Diffusion.Engine.Denoising;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Lab.Serving;

/// <summary>
/// The engine that serves requests (<see cref="EngineHost"/>, its <see cref="EngineLoop"/> and the UNet step
/// runner), started over a pipeline for the lab's measurements: the bench, the evaluation and the
/// calibration denoise through the same iteration-level loop as the service, not a copy of it. The one
/// addition is <see cref="HoldAsync"/>, so excluded bookkeeping runs while no step does.
/// </summary>
public sealed class ServingEngine : IAsyncDisposable
{
    private readonly EngineHost _host;
    private readonly PausableStepRunner _runner;
    private readonly EngineImageGenerator _images;

    private ServingEngine(EngineHost host, PausableStepRunner runner, EngineImageGenerator images)
    {
        _host = host;
        _runner = runner;
        _images = images;
    }

    /// <param name="maxBatch">Jobs stepped together in one UNet call (the engine's MaxDiffusionBatch).</param>
    public static ServingEngine Start(DiffusionPipeline pipeline, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var defaults = new EngineOptions();
        var options = defaults with { Scheduler = defaults.Scheduler with { MaxDiffusionBatch = maxBatch } };
        var runner = new PausableStepRunner(new UnetDiffusionStepRunner(pipeline.Models.Unet));
        var host = EngineHost.Start(options, llmDirectory: null, tokenizerDirectory: null, runner);
        return new ServingEngine(host, runner, new EngineImageGenerator(host.Loop, pipeline));
    }

    public EngineStats Stats => _host.Loop.GetStats();

    /// <summary>
    /// Denoises a one-image <paramref name="request"/> as the service does (start step, start latent, resume
    /// noise, captures and output reuse included) and returns its final latent and what the run cost.
    /// </summary>
    public async Task<(float[] Latent, DenoiseStats Stats)> DenoiseAsync(GenerationRequest request, PromptEmbedding prompt, PromptEmbedding negative,
        Action<LatentCapture>? onCapture, CancellationToken cancellationToken)
    {
        if (request.ImageCount != 1)
        {
            throw new ArgumentException("the lab denoises one image per request.", nameof(request));
        }
        var hooks = onCapture is null ? null : new GenerationHooks { LatentCaptured = onCapture };
        return await _images.DenoiseAsync(request, prompt.HiddenStates, negative.HiddenStates, hooks, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
    }

    /// <inheritdoc cref="PausableStepRunner.HoldAsync"/>
    public Task<IDisposable> HoldAsync(CancellationToken cancellationToken) => _runner.HoldAsync(cancellationToken);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
