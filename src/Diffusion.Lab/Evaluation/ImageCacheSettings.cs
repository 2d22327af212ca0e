using System.Globalization;
using Diffusion.Cache;

namespace Diffusion.Lab.Evaluation;

/// <summary>The settings a final image is valid for: a stored image answers only a request with the same ones.</summary>
public static class ImageCacheSettings
{
    /// <summary>Model, size, scheduler (exact kind: the final image depends on it), steps and guidance. The seed is left out on purpose:
    /// an image cache answers a re-roll of a prompt with the stored image (every trace request carries its own seed, so a key with it
    /// would never hit).</summary>
    public static string Of(CacheRequestFacts facts) => string.Create(CultureInfo.InvariantCulture,
        $"{facts.ModelId}|{facts.Size.Width}x{facts.Size.Height}|{facts.Scheduler}|{facts.Steps}|{facts.Guidance:R}");
}
