using Diffusion.Server.Generation;

namespace Diffusion.Server.Running;

/// <summary>How the response carries images: base64 in the body or a URL into the gallery store.</summary>
public enum ResponseFormat
{
    B64Json,
    Url,
}

/// <summary>
/// A validated request: <paramref name="Count"/> images from <paramref name="Spec"/>, the i-th with
/// seed <c>Spec.Seed + i</c>.
/// </summary>
public sealed record GenerationPlan(ImageGenerationSpec Spec, int Count, ResponseFormat Format, string Model)
{
    public ImageGenerationSpec SpecFor(int index) => Spec with { Seed = Spec.Seed + index };
}
