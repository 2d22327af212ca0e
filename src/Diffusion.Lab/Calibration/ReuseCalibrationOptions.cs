using Diffusion.Inference.Pipeline;

namespace Diffusion.Lab.Calibration;

/// <summary>Settings of <c>calibrate reuse</c>; <see cref="Validate"/> names every problem.</summary>
public sealed record ReuseCalibrationOptions
{
    /// <summary>Held-out prompts (evenly spaced over the set), each run in full and at every threshold with the same seed.</summary>
    public int Prompts { get; init; } = 160;

    public int Steps { get; init; } = 50;

    public float GuidanceScale { get; init; } = 7.5f;

    /// <summary>Thresholds measured, ascending.</summary>
    public IReadOnlyList<float> Thresholds { get; init; } = [0.02f, 0.05f, 0.1f, 0.15f, 0.2f, 0.3f, 0.4f, 0.6f];

    /// <summary>Judge accuracy a threshold may lose against the full runs (the cache calibration's tolerance).</summary>
    public double Tolerance { get; init; } = 0.016;

    /// <summary>Relative CLIP score a threshold may lose against the full runs (the cache's bar).</summary>
    public double ClipDrop { get; init; } = 0.01;

    public ReuseCalibrationOptions Validate()
    {
        var problems = new List<string>();
        if (Prompts < 2)
        {
            problems.Add($"prompts is {Prompts}; at least 2.");
        }
        if (Steps is < 2 or > GenerationRequest.MaxSteps)
        {
            problems.Add($"steps is {Steps}; 2..{GenerationRequest.MaxSteps}.");
        }
        if (Thresholds.Count == 0 || Thresholds.Any(t => !float.IsFinite(t) || t <= 0 || t > StepOutputReuse.MaxThreshold))
        {
            problems.Add($"thresholds must be in (0, {StepOutputReuse.MaxThreshold}] (got {string.Join(", ", Thresholds)}).");
        }
        if (Tolerance is < 0 or > 1 || ClipDrop is < 0 or > 1)
        {
            problems.Add($"tolerance ({Tolerance}) and CLIP drop ({ClipDrop}) are fractions in [0, 1].");
        }
        return problems.Count == 0 ? this : throw new ArgumentException("calibrate reuse: " + string.Join(" ", problems));
    }
}
