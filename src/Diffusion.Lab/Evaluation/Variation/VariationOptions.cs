using Diffusion.Inference.Scheduling;

namespace Diffusion.Lab.Evaluation.Variation;

/// <summary>Settings of the seed-variation measurement (<see cref="VariationEvaluation"/>).</summary>
public sealed record VariationOptions
{
    /// <summary>Held-out prompts measured, evenly spaced over the set; each gives one hit per scenario.</summary>
    public int Prompts { get; init; } = 100;

    /// <summary>K of the "same prompt, another seed" hits (the deepest cache point).</summary>
    public int RepeatK { get; init; } = 25;

    /// <summary>K of the "similar prompt" hits (source: the nearest other held-out prompt by CLIP text embedding).</summary>
    public int SimilarK { get; init; } = 15;

    /// <summary>Resume noise strengths compared; 0 is the old behaviour (the source's path for every seed).</summary>
    public IReadOnlyList<float> Strengths { get; init; } = [0f, 0.5f, 1f];

    public int Steps { get; init; } = 50;
    public float GuidanceScale { get; init; } = 7.5f;
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Ddim;

    public VariationOptions Validate()
    {
        var problems = new List<string>();
        if (Prompts < 1) problems.Add($"prompts is {Prompts}; it must be at least 1.");
        if (Steps < 2) problems.Add($"steps is {Steps}; it must be at least 2.");
        foreach (var (name, k) in new[] { ("repeat K", RepeatK), ("similar K", SimilarK) })
        {
            if (k < 1 || k >= Steps) problems.Add($"{name} is {k}; it must be in [1, {Steps - 1}].");
        }
        if (Strengths.Count == 0 || Strengths.Any(s => !float.IsFinite(s) || s < 0f || s > 1f))
            problems.Add($"strengths [{string.Join(", ", Strengths)}] must be non-empty, each in [0, 1].");
        if (problems.Count > 0) throw new ArgumentException("Invalid variation options: " + string.Join(" ", problems));
        return this;
    }
}
