using Diffusion.CacheStore;
using Diffusion.Lab.Bench;

namespace Diffusion.Lab.Evaluation;

/// <summary>Settings of <c>eval cache</c>; <see cref="Validate"/> names every problem.</summary>
public sealed record CacheEvaluationOptions : TraceReplayOptions
{
    /// <summary>
    /// Default request count: five replays of 50 steps on the real UNet. Measured on the 2-core machine: 150 requests in
    /// 7.2 min with both cores free; 60 requests in 5.5 min with one core busy training (so about 14 min for 150).
    /// </summary>
    public const int DefaultRequests = 150;

    public CacheEvaluationOptions()
    {
        Requests = DefaultRequests;
        Budget = ByteSize.Parse("512KB"); // latent files on disk, or 8-bit images with their embeddings in memory
    }

    /// <summary>The GPTCache-like system's reuse threshold on CLIP text cosine.</summary>
    public double GptCacheThreshold { get; init; } = 0.95;

    protected override int MinimumRequests => 5;

    protected override string Subject => "cache evaluation";

    protected override void CheckOwn(List<string> problems)
    {
        if (!double.IsFinite(GptCacheThreshold) || GptCacheThreshold is <= -1 or > 1)
        {
            problems.Add($"the gptcache threshold is {GptCacheThreshold}; a cosine in (-1, 1].");
        }
    }

    public CacheEvaluationOptions Validate()
    {
        ThrowIfInvalid();
        return this;
    }
}
