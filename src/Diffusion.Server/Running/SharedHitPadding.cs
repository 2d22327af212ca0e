using Diffusion.Server.Generation;

namespace Diffusion.Server.Running;

/// <summary>
/// How long to hold back the answer of a defended shared-pool hit so that its latency looks like a miss's: the time its
/// K skipped steps would have taken at the run's own measured step time. Added after the generation, outside the queue,
/// so it costs the requester latency but takes no generation slot from anyone.
/// </summary>
public static class SharedHitPadding
{
    public static TimeSpan For(GenerationResult result)
    {
        var seconds = 0.0;
        foreach (var image in result.Images)
        {
            var cache = image.Image.Cache;
            var steps = image.Record.Metadata.Steps;
            if (!cache.SourceHidden || cache.K <= 0 || cache.K >= steps) continue;
            if (!image.Image.Timings.TryGetValue(GeneratedImage.DenoiseStage, out var denoise)) continue;
            seconds += denoise / (steps - cache.K) * cache.K;
        }
        return TimeSpan.FromSeconds(seconds);
    }

    /// <summary>The result with the padding counted in its total, so the reported timings do not give the hit away either.</summary>
    public static GenerationResult Padded(GenerationResult result, TimeSpan padding)
    {
        if (padding <= TimeSpan.Zero) return result;
        var timings = new Dictionary<string, double>(result.Timings);
        timings[GenerationRunner.TotalStage] = timings.GetValueOrDefault(GenerationRunner.TotalStage) + padding.TotalSeconds;
        return result with { Timings = timings };
    }
}
