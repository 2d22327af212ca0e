using Diffusion.CacheStore;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Lab.Bench;

/// <summary>
/// What <c>bench cache</c> and <c>eval cache</c> share: the generated trace, how it is replayed through the real
/// UNet, and the cache's budget. Each command sets its own defaults for requests and budget.
/// </summary>
public abstract record TraceReplayOptions
{
    /// <summary>Requests of the generated trace, replayed through every system.</summary>
    public int Requests { get; init; }

    /// <summary>Seed of the standard generated trace.</summary>
    public long TraceSeed { get; init; } = 1;

    /// <summary>Distinct users of the trace; null takes the count derived from the real logs (a trace under ~60 requests needs fewer).</summary>
    public int? Users { get; init; }

    /// <summary>Leading share of the trace that only warms the cache; the figures cover the rest.</summary>
    public double Warmup { get; init; } = 0.2;

    /// <summary>The cache's byte budget: small enough that eviction runs.</summary>
    public ByteSize Budget { get; init; }

    /// <summary>Requests in flight at once: the serving engine steps them together (two UNet rows each with guidance).</summary>
    public int Concurrency { get; init; } = 8;

    public int Steps { get; init; } = 50;

    /// <summary>Guidance of the runs; the CLI sets the model's own (model_index.json generation_defaults) when it has one.</summary>
    public float GuidanceScale { get; init; } = 4f;

    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Ddim;

    /// <summary>LCBFU's grace period in requests' worth of trace time (mean gap × this); null = an eighth of the budget's capacity in entries.</summary>
    public double? GraceRequests { get; init; }

    /// <summary>Where the replays' stores live; a fresh temporary directory when null (deleted afterwards).</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>The smallest trace the command can measure anything on.</summary>
    protected abstract int MinimumRequests { get; }

    /// <summary>The command's name in the error message.</summary>
    protected abstract string Subject { get; }

    /// <summary>Adds the problems of the command's own settings.</summary>
    protected virtual void CheckOwn(List<string> problems)
    {
    }

    /// <summary>Throws one <see cref="ArgumentException"/> naming every problem.</summary>
    protected void ThrowIfInvalid()
    {
        var problems = new List<string>();
        if (Requests < MinimumRequests)
        {
            problems.Add($"requests is {Requests}; at least {MinimumRequests}.");
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
        if (GraceRequests is < 0)
        {
            problems.Add("grace requests must not be negative.");
        }
        CheckOwn(problems);
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid {Subject} options: " + string.Join(" ", problems));
        }
    }
}
