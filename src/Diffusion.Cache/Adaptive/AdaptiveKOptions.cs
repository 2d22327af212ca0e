namespace Diffusion.Cache.Adaptive;

/// <summary>
/// Settings of online K adaptation (<see cref="AdaptiveKTable"/>); <see cref="Validate"/> names every problem.
/// The quality signal is the CLIP image–text cosine of each finished image, which the cache computes anyway.
/// </summary>
public sealed record AdaptiveKOptions
{
    /// <summary>
    /// Inner edges of the similarity buckets, ascending; each bucket learns its own K. Null derives them from the
    /// calibrated table: its thresholds plus the midpoints between neighbouring ones, so the learned table can
    /// only refine what calibration found.
    /// </summary>
    public IReadOnlyList<double>? BucketEdges { get; init; }

    /// <summary>
    /// The largest mean CLIP-score drop (expected score of a full run minus the hit's) a K may cost. 0.008 is
    /// 1 % of this model's mean CLIP score, the drop `bench cache` accepts.
    /// </summary>
    public double Tolerance { get; init; } = 0.008;

    /// <summary>Observations an arm needs before it may be promoted to or ruled out.</summary>
    public int MinSamples { get; init; } = 8;

    /// <summary>How many of an arm's latest observations count: older ones are forgotten, so a shift in the prompt mix is followed.</summary>
    public int Window { get; init; } = 32;

    /// <summary>Share of hits that try the next larger K of their bucket (bounded exploration).</summary>
    public double ExploreRate { get; init; } = 0.15;

    /// <summary>Share of would-be hits run from noise instead: the control runs that give each bucket its expected full-run score.</summary>
    public double ControlRate { get; init; } = 0.05;

    /// <summary>Standard errors a mean drop must clear the tolerance by to rule a K out.</summary>
    public double Confidence { get; init; } = 1.0;

    /// <summary>Recent controls (of every bucket) whose mean CLIP score is the expected score of a bucket without enough controls of its own.</summary>
    public int BaselineWindow { get; init; } = 64;

    /// <summary>Seed of the exploration draws, so a replay is reproducible.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Where the learned state is saved (JSON, atomically) and reloaded from; null keeps it in memory.</summary>
    public string? StatePath { get; init; }

    /// <summary>Observations between saves of <see cref="StatePath"/>.</summary>
    public int SaveEvery { get; init; } = 16;

    public AdaptiveKOptions Validate()
    {
        var problems = new List<string>();
        if (BucketEdges is not null)
        {
            if (BucketEdges.Any(e => !double.IsFinite(e) || e is <= -1 or >= 1))
            {
                problems.Add($"bucket edges [{string.Join(", ", BucketEdges)}] must lie strictly inside (-1, 1).");
            }
            for (var i = 1; i < BucketEdges.Count; i++)
            {
                if (BucketEdges[i] <= BucketEdges[i - 1])
                {
                    problems.Add($"bucket edges must rise strictly; {BucketEdges[i]} follows {BucketEdges[i - 1]}.");
                }
            }
        }
        if (!double.IsFinite(Tolerance) || Tolerance < 0)
        {
            problems.Add($"the tolerance is {Tolerance}; a CLIP-score drop of at least 0.");
        }
        if (MinSamples < 2)
        {
            problems.Add($"MinSamples is {MinSamples}; a standard error needs at least 2.");
        }
        if (Window < MinSamples)
        {
            problems.Add($"the window ({Window}) must hold at least MinSamples ({MinSamples}) observations.");
        }
        if (!double.IsFinite(ExploreRate) || ExploreRate is < 0 or > 0.5)
        {
            problems.Add($"the explore rate is {ExploreRate}; use a share in [0, 0.5].");
        }
        if (!double.IsFinite(ControlRate) || ControlRate is < 0 or > 0.5)
        {
            problems.Add($"the control rate is {ControlRate}; use a share in [0, 0.5].");
        }
        if (!double.IsFinite(Confidence) || Confidence < 0)
        {
            problems.Add($"the confidence is {Confidence} standard errors; use 0 or more.");
        }
        if (BaselineWindow < 2)
        {
            problems.Add($"the baseline window is {BaselineWindow}; at least 2 full runs.");
        }
        if (StatePath is not null && string.IsNullOrWhiteSpace(StatePath))
        {
            problems.Add("the state path is blank; give a file or null to keep the state in memory.");
        }
        if (SaveEvery < 1)
        {
            problems.Add($"SaveEvery is {SaveEvery}; save at least every observation count of 1.");
        }
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid adaptive K options: " + string.Join(" ", problems));
        }
        return this;
    }
}
