namespace Diffusion.Evaluation;

/// <summary>An object the judge found: its class, pixel area and centroid.</summary>
public sealed record FoundObject(string Concept, int Area, float CenterX, float CenterY);

/// <summary>What the judge saw in one image; <see cref="Background"/> is null when unrecognisable.</summary>
public sealed record JudgeVerdict(IReadOnlyList<FoundObject> Objects, string? Background);
