using Diffusion.Cache;
using Diffusion.Cache.Policy;

namespace Diffusion.Lab.Evaluation;

/// <summary>How a compared system reuses earlier work.</summary>
public enum CacheSystemKind
{
    /// <summary>No cache: every request runs every step.</summary>
    None,

    /// <summary>The same prompt (and generation settings) returns the stored final image.</summary>
    ExactImage,

    /// <summary>The nearest earlier prompt by CLIP text cosine, above a threshold, returns its final image (GPTCache-like).</summary>
    NearestImage,

    /// <summary>NIRVANA's approximate cache: a similar prompt's intermediate latent lets the run skip K steps.</summary>
    ApproximateLatent,

    /// <summary>No cache, fewer steps: every request runs the mean step count another system ran, spread evenly over the schedule.</summary>
    FewerSteps,
}

/// <summary>One system of <c>eval cache</c>: its name in the JSON, how it reuses work, and its similarity→K tables when it is an approximate cache.</summary>
/// <param name="Mode">The approximate cache's retrieval mode (null: the tables' default mode).</param>
/// <param name="OutputReuse">Within-request reuse of the UNet's output on top of the kind's reuse across requests
/// (<see cref="Diffusion.Inference.Pipeline.GenerationRequest.OutputReuseThreshold"/>; 0: off).</param>
public sealed record CacheSystem(string Name, CacheSystemKind Kind, string Description, KTableSet? Tables = null, RetrievalMode? Mode = null,
    float OutputReuse = 0)
{
    /// <summary>The system every other one's images are compared with: no reuse of any kind.</summary>
    public bool IsReference => Kind == CacheSystemKind.None && OutputReuse == 0;

    /// <summary>The retrieval mode in effect for an approximate cache.</summary>
    public RetrievalMode? EffectiveMode => Tables is null ? null : Mode ?? Tables.DefaultMode;

    /// <summary>The similarity→K table in effect, as text (empty for the others).</summary>
    public string TableText => Tables is null ? "" : Tables.For(EffectiveMode!.Value).ToString();
}

/// <summary>The systems compared side by side, and NIRVANA's published thresholds kept in code.</summary>
public static class CacheSystems
{
    public const string None = "none";
    public const string Exact = "exact";
    public const string GptCache = "gptcache";
    public const string Nirvana = "nirvana";
    public const string Ours = "ours";
    public const string FewerSteps = "fewer_steps";
    public const string WithinRequest = "within_request";
    public const string OursWithin = "ours+within";

    /// <summary>In run order: <see cref="FewerSteps"/> takes its step count from <see cref="Ours"/>, so it runs after it.</summary>
    public static IReadOnlyList<string> Names { get; } = [None, Exact, GptCache, Nirvana, Ours, FewerSteps, WithinRequest, OursWithin];

    /// <summary>
    /// The within-request reuse threshold of <see cref="WithinRequest"/> and <see cref="OursWithin"/>: the relative input
    /// change, summed since the last UNet call, under which a step reuses that call's output. Calibrated on the shipped
    /// model by <c>calibrate reuse</c> (docs/reuse-calibration.md): the largest threshold that keeps judge accuracy within
    /// 0.016 and CLIP score within 1 % of the full runs (160 held-out prompts: 83 % of the UNet calls saved, judge
    /// accuracy 0.861 against 0.871, CLIP score 0.7756 against 0.7802).
    /// </summary>
    public const float DefaultOutputReuse = 0.2f;

    /// <summary>
    /// NIRVANA's published prompt→prompt table (&gt;0.95→25, &gt;0.90→20, &gt;0.85→15, &gt;0.75→10, &gt;0.65→5 of 50), written
    /// out here rather than read from k-table.json, so recalibrating the shipped table never changes this baseline.
    /// </summary>
    public static SimilarityKTable PublishedNirvanaTable { get; } = new([new(0.95, 25), new(0.90, 20), new(0.85, 15), new(0.75, 10), new(0.65, 5)]);

    /// <summary>The published preset as a table set (prompt→prompt; the image table is unused).</summary>
    public static KTableSet PublishedNirvana { get; } = new()
    {
        DefaultMode = RetrievalMode.PromptToPrompt,
        PromptToPrompt = PublishedNirvanaTable,
        PromptToImage = PublishedNirvanaTable,
        Note = "NIRVANA (NSDI'24) as published: prompt-to-prompt retrieval, its CLIP thresholds.",
    };

    /// <summary>The systems in report order; <paramref name="shipped"/> is the table set <c>ours</c> uses (k-table.json).</summary>
    public static IReadOnlyList<CacheSystem> Standard(KTableSet shipped, double gptCacheThreshold, float outputReuse = DefaultOutputReuse) =>
    [
        new(None, CacheSystemKind.None, "no cache: every request runs all steps"),
        new(Exact, CacheSystemKind.ExactImage,
            "exact-match image cache: same prompt text, model, size, scheduler, steps and guidance returns the stored final image (seed not in the key)"),
        new(GptCache, CacheSystemKind.NearestImage,
            $"nearest-image reuse (GPTCache-like): the nearest cached prompt with CLIP text cosine ≥ {gptCacheThreshold:0.###} returns its final image"),
        new(Nirvana, CacheSystemKind.ApproximateLatent, "NIRVANA as published: prompt→prompt retrieval, its K thresholds, LCBFU",
            PublishedNirvana, RetrievalMode.PromptToPrompt),
        new(Ours, CacheSystemKind.ApproximateLatent, "the shipped configuration: k-table.json in its default mode, LCBFU", shipped),
        new(FewerSteps, CacheSystemKind.FewerSteps,
            "no cache, fewer steps: every request runs the mean number of steps `ours` ran, spread evenly over the schedule (the honest baseline for skipping steps)"),
        new(WithinRequest, CacheSystemKind.None,
            $"no cache, within-request reuse (TeaCache-style): a step reuses the UNet's last output while the input's relative change since that call stays under {outputReuse:0.###}",
            OutputReuse: outputReuse),
        new(OursWithin, CacheSystemKind.ApproximateLatent,
            $"ours and within-request reuse combined: a hit skips K steps, and the steps it runs reuse the UNet's output under {outputReuse:0.###}",
            shipped, OutputReuse: outputReuse),
    ];

    /// <summary>The step count that runs <paramref name="stepsSaved"/> fewer of <paramref name="steps"/> on average (at least one).</summary>
    public static int FewerStepsFor(int steps, double stepsSaved) => Math.Clamp((int)Math.Round(steps * (1 - stepsSaved)), 1, steps);
}
