using Diffusion.Server.Generation;
using Diffusion.Server.Images;

namespace Diffusion.Server.Running;

/// <summary>The images of one plan, as stored, with the request's timings (stage → seconds).</summary>
public sealed record GenerationResult(IReadOnlyList<GeneratedImageRecord> Images, IReadOnlyDictionary<string, double> Timings);

/// <summary>One generated image and the gallery record it was stored under.</summary>
public sealed record GeneratedImageRecord(ImageRecord Record, GeneratedImage Image);
