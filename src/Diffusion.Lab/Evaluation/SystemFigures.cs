using System.Text.Json.Serialization;

namespace Diffusion.Lab.Evaluation;

/// <summary>One system's figures over the measured requests (after the warm-up), as the JSON's <c>systems.{name}</c>.</summary>
public sealed record SystemFigures
{
    public required string Description { get; init; }

    /// <summary>Fraction of the requested denoising steps skipped (a final-image hit skips all of them).</summary>
    public required double StepsSaved { get; init; }

    /// <summary>Fraction of the full runs' UNet calls not made: steps skipped plus steps run on a reused output (within-request reuse).</summary>
    public required double ModelCallsSaved { get; init; }

    /// <summary>Share of judge checks passed, each image against its own request's canonical prompt facts.</summary>
    public required double JudgeAccuracy { get; init; }

    /// <summary>Judge checks behind <see cref="JudgeAccuracy"/> (its binomial standard error follows from it).</summary>
    public required int JudgeChecks { get; init; }

    /// <summary>Mean cosine of the request's CLIP text embedding and the image's CLIP image embedding.</summary>
    public required double ClipScore { get; init; }

    /// <summary>Mean absolute pixel difference (in [0,1] units) to the no-cache image of the same request; 0 for none.</summary>
    public required double DistanceToNone { get; init; }

    /// <summary>Mean CLIP image-embedding cosine to the no-cache image of the same request; 1 for none.</summary>
    public required double ClipImageCosineToNone { get; init; }

    /// <summary>Join to image ready, excluding the replay's own scoring (as bench cache).</summary>
    public required double LatencyP50S { get; init; }

    public required double LatencyP95S { get; init; }

    /// <summary>Measured requests over the busy time from the first measured join to the last measured image.</summary>
    public required double ThroughputRps { get; init; }

    public required double HitRate { get; init; }

    /// <summary>Hits by the step they started at (a final-image hit counts at the full step count).</summary>
    public required IReadOnlyDictionary<int, int> HitsByK { get; init; }

    public required IReadOnlyDictionary<string, double> JudgeMetrics { get; init; }

    public required long Evictions { get; init; }

    public required long MaxUsedBytes { get; init; }

    public required double ElapsedMinutes { get; init; }

    /// <summary>The measured latencies in seconds, ascending (for the CDF plot; not in the JSON).</summary>
    [JsonIgnore]
    public IReadOnlyList<double> Latencies { get; init; } = [];

    /// <summary>The binomial standard error of <see cref="JudgeAccuracy"/>.</summary>
    [JsonIgnore]
    public double JudgeAccuracyStandardError => JudgeChecks == 0 ? double.NaN : Math.Sqrt(JudgeAccuracy * (1 - JudgeAccuracy) / JudgeChecks);
}
