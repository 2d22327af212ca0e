using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Denoising;

/// <summary>Builds <see cref="DenoiseJob"/>s the way <see cref="DiffusionPipeline.Generate"/> sets up a single-image request.</summary>
public static class DenoiseJobs
{
    /// <summary>
    /// A job for a one-image <paramref name="request"/>: its sampler run (begun at StartStep), its first latent
    /// (StartLatent as is, or seeded noise scaled by the sampler's initial σ) and the encoded prompt and negative prompt.
    /// </summary>
    public static DenoiseJob ForRequest(DiffusionPipeline pipeline, GenerationRequest request, PromptEmbedding prompt, PromptEmbedding negative,
        Action<LatentCapture>? onCapture = null, object? tag = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(request);
        request.Validate(pipeline.Models.ImageWidth, pipeline.Models.ImageHeight, pipeline.LatentLength);
        if (request.ImageCount != 1)
        {
            throw new ArgumentException("a denoise job is one image; split multi-image requests.", nameof(request));
        }
        var run = pipeline.CreateRun(request, 0);
        float[] latent;
        if (request.StartLatent is not null)
        {
            latent = (float[])request.StartLatent.Clone();
        }
        else
        {
            latent = request.InitialNoise is not null ? (float[])request.InitialNoise.Clone() : pipeline.CreateNoise(request.Seed);
            for (var i = 0; i < latent.Length; i++)
            {
                latent[i] *= run.InitNoiseSigma;
            }
        }
        return new DenoiseJob(run, latent, prompt.HiddenStates, negative.HiddenStates, request.GuidanceScale, request.CaptureSteps, onCapture, tag);
    }
}
