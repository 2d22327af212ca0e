using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Server.Generation;

/// <summary>
/// The generator over the inference pipeline alone: every image is a full run, nothing is cached and
/// prompts are not expanded. The service composes the cache and the engine around the same pipeline.
/// </summary>
public sealed class PipelineImageGenerator : IImageGenerator
{
    private readonly DiffusionPipeline _pipeline;

    public PipelineImageGenerator(DiffusionPipeline pipeline, string modelId)
    {
        _pipeline = pipeline;
        Model = DescribeModel(pipeline.Models, modelId);
    }

    public ModelDescription Model { get; }

    /// <summary>What a loaded model folder serves: its native size, the three samplers, its guidance.</summary>
    public static ModelDescription DescribeModel(DiffusionModels models, string modelId) =>
        new(modelId, "diffusion", File.GetLastWriteTimeUtc(Path.Combine(models.Folder.Root, "model_index.json")),
            [new ImageSize(models.ImageWidth, models.ImageHeight)],
            [SchedulerKind.Ddim.ToName(), SchedulerKind.Euler.ToName(), SchedulerKind.DpmSolverPlusPlus2M.ToName()],
            GenerationRequest.MaxSteps)
        {
            DefaultGuidanceScale = models.Folder.RecommendedGuidanceScale ?? 7.5,
        };

    public async Task<GeneratedImage> GenerateAsync(ImageGenerationSpec spec, IProgress<DenoiseProgress>? progress,
        CancellationToken cancellationToken)
    {
        if (spec.ExpandPrompt)
        {
            throw new GenerationRejectedException("expand_prompt", "prompt expansion needs the engine's LLM, which this generator does not run");
        }
        var request = new GenerationRequest
        {
            Prompt = spec.Prompt,
            NegativePrompt = spec.NegativePrompt ?? "",
            Seed = (ulong)spec.Seed,
            Steps = spec.Steps,
            GuidanceScale = (float)spec.GuidanceScale,
            Scheduler = SchedulerKinds.Parse(spec.Scheduler),
            Width = spec.Width,
            Height = spec.Height,
        };
        var hooks = progress is null ? null : new GenerationHooks
        {
            StepCompleted = p => progress.Report(new DenoiseProgress(p.Step, p.TotalSteps, p.Elapsed)),
        };
        var result = await _pipeline.GenerateAsync(request, hooks, cancellationToken).ConfigureAwait(false);
        return new GeneratedImage(result.Png[0], spec.Seed, null, CacheReport.Miss, new Dictionary<string, double>
        {
            ["text_encoder"] = result.Timings.Encode.TotalSeconds,
            ["denoise"] = result.Timings.Denoise.TotalSeconds,
            ["vae_decode_png"] = result.Timings.DecodeAndPng.TotalSeconds,
        });
    }
}
