

namespace Diffusion.Lab.Traces;

/// <summary>
/// Options of one generated trace. Rates left null take the values derived from the real logs
/// (<see cref="TraceParameters"/>); <see cref="Validate"/> runs before generation and names every
/// problem at once.
/// </summary>
public sealed record TraceOptions
{
    /// <summary>Number of requests.</summary>
    public int Count { get; init; } = 2000;

    /// <summary>The same seed, world and parameters give the same trace.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Number of distinct users; null takes the derived count.</summary>
    public int? Users { get; init; }

    /// <summary>Number of popular scenes shared by all users.</summary>
    public int PopularPoolSize { get; init; } = 100;

    /// <summary>Target fraction of requests whose prompt was seen before.</summary>
    public double? RepeatRate { get; init; }

    /// <summary>Target fraction of requests that are a small edit of the user's previous prompt.</summary>
    public double? EditRate { get; init; }

    /// <summary>Share of the repeats that go to the popular pool; the rest are users resending their own prompt.</summary>
    public double? PopularShare { get; init; }

    /// <summary>Zipf exponent of the popular pool's popularity.</summary>
    public double? PopularityExponent { get; init; }

    /// <summary>Multiplies every inter-arrival gap: 0.01 replays the real pace a hundred times faster.</summary>
    public double TimeScale { get; init; } = 1.0;

    public void Validate()
    {
        var problems = new List<string>();
        if (Count < 1)
        {
            problems.Add($"count must be at least 1 (got {Count})");
        }

        if (Users is < 1)
        {
            problems.Add($"users must be at least 1 (got {Users})");
        }

        if (PopularPoolSize < 1)
        {
            problems.Add($"the popular pool size must be at least 1 (got {PopularPoolSize})");
        }

        CheckFraction(problems, "repeat rate", RepeatRate);
        CheckFraction(problems, "edit rate", EditRate);
        if (PopularShare is { } share && !(share >= 0 && share <= 1))
        {
            problems.Add($"the popular share must lie in [0, 1] (got {share})");
        }

        if (PopularityExponent is { } exponent && !(exponent >= 0 && double.IsFinite(exponent)))
        {
            problems.Add($"the popularity exponent must be finite and not negative (got {exponent})");
        }

        if (!(TimeScale > 0 && double.IsFinite(TimeScale)))
        {
            problems.Add($"the time scale must be positive (got {TimeScale})");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid trace options: " + string.Join("; ", problems) + ".");
        }
    }

    private static void CheckFraction(List<string> problems, string name, double? value)
    {
        if (value is { } v && !(v >= 0 && v < 1))
        {
            problems.Add($"the {name} must lie in [0, 1) (got {v})");
        }
    }
}
