using Diffusion.CacheStore;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Cache.Evaluation;

/// <summary>Settings of <c>eval cache</c>; <see cref="Validate"/> names every problem.</summary>
public sealed record CacheEvaluationOptions
{
    /// <summary>
    /// Default request count: five replays of 50 steps on the real UNet. Measured on the 2-core machine: 150 requests in
    /// 7.2 min with both cores free; 60 requests in 5.5 min with one core busy training (so about 14 min for 150).
    /// </summary>
    public const int DefaultRequests = 150;

    /// <summary>Requests of the generated trace, replayed through every system.</summary>
    public int Requests { get; init; } = DefaultRequests;

    /// <summary>Seed of the standard generated trace (the bench's).</summary>
    public long TraceSeed { get; init; } = 1;

    /// <summary>Distinct users of the trace; null takes the count derived from the real logs (a trace under ~60 requests needs fewer).</summary>
    public int? Users { get; init; }

    /// <summary>Leading share of the trace that only warms the caches; the figures cover the rest.</summary>
    public double Warmup { get; init; } = 0.2;

    /// <summary>Byte budget of every caching system (latent files on disk, or 8-bit images with their embeddings in memory).</summary>
    public ByteSize Budget { get; init; } = ByteSize.Parse("512KB");

    /// <summary>Requests in flight at once (iteration-level batching, two UNet rows each with guidance).</summary>
    public int Concurrency { get; init; } = 8;

    public int Steps { get; init; } = 50;

    /// <summary>The model card's guidance for evaluation.</summary>
    public float GuidanceScale { get; init; } = 4f;

    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Ddim;

    /// <summary>The GPTCache-like system's reuse threshold on CLIP text cosine.</summary>
    public double GptCacheThreshold { get; init; } = 0.95;

    /// <summary>LCBFU's grace period in requests' worth of trace time; null = an eighth of the budget's capacity in entries (as bench cache).</summary>
    public double? GraceRequests { get; init; }

    /// <summary>Where the latent stores live; a fresh temporary directory when null (deleted afterwards).</summary>
    public string? WorkDirectory { get; init; }

    public CacheEvaluationOptions Validate()
    {
        var problems = new List<string>();
        if (Requests < 5)
        {
            problems.Add($"requests is {Requests}; at least 5.");
        }
        if (Users is < 1)
        {
            problems.Add($"users is {Users}; at least 1.");
        }
        if (Warmup is < 0 or >= 1)
        {
            problems.Add($"warm-up is {Warmup}; a share in [0, 1).");
        }
        else if ((int)Math.Round(Requests * Warmup) >= Requests)
        {
            problems.Add($"warm-up {Warmup} leaves no measured request of {Requests}.");
        }
        if (Budget.Bytes <= 0)
        {
            problems.Add("the budget must be positive.");
        }
        if (Concurrency < 1)
        {
            problems.Add($"concurrency is {Concurrency}; at least 1.");
        }
        if (Steps is < 2 or > 1000)
        {
            problems.Add($"steps is {Steps}; use 2..1000.");
        }
        if (!float.IsFinite(GuidanceScale) || GuidanceScale < 0)
        {
            problems.Add($"guidance is {GuidanceScale}; a finite, non-negative scale.");
        }
        if (!double.IsFinite(GptCacheThreshold) || GptCacheThreshold is <= -1 or > 1)
        {
            problems.Add($"the gptcache threshold is {GptCacheThreshold}; a cosine in (-1, 1].");
        }
        if (GraceRequests is < 0)
        {
            problems.Add("grace requests must not be negative.");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid cache evaluation options: " + string.Join(" ", problems));
        }
        return this;
    }
}
