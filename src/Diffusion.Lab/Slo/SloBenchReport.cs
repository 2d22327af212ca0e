namespace Diffusion.Lab.Slo;

/// <summary>Latency percentiles of one class at one point, in seconds (NaN when the class had no request).</summary>
public sealed record LatencySummary(int Count, double P50, double P95, double P99)
{
    public static LatencySummary Of(IEnumerable<double> seconds)
    {
        var sorted = seconds.Order().ToArray();
        return new LatencySummary(sorted.Length, At(sorted, 0.50), At(sorted, 0.95), At(sorted, 0.99));
    }

    private static double At(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}

/// <summary>
/// One policy at one load, over every repeat's requests. <see cref="Expanded"/>: every request with a prompt expansion;
/// <see cref="ExpandedInteractive"/>: those of the interactive class (batch work waits behind interactive work by design).
/// </summary>
public sealed record SloPoint(
    string Policy,
    double Load,
    double ArrivalRatePerSecond,
    double SloAttainment,
    double SloAttainmentStandardError,
    int DueMissed,
    LatencySummary Interactive,
    LatencySummary Batch,
    LatencySummary Expanded,
    LatencySummary ExpandedInteractive,
    double ThroughputPerSecond,
    long Pauses)
{
    /// <summary>The scheduler's cost model at the end of the point's last repeat: a diffusion iteration's fixed part…</summary>
    public double FittedOverheadMs { get; init; }

    /// <summary>…and what each job adds to it.</summary>
    public double FittedJobStepMs { get; init; }

    /// <summary>A pair's iteration over a lone step's, as the cost model measured it (what decides company on a CPU); null if unmeasured.</summary>
    public double? PairCost { get; init; }
}

/// <summary>
/// Everything <c>bench slo</c> measured. <see cref="SloAttainmentGain"/>: the best policy's interactive SLO attainment
/// over request-level FCFS's, at the load where FCFS attains 50 % (every policy interpolated between the two measured
/// loads that bracket it, see <see cref="SloHeadline"/>; else the load closest to 50 %), with its standard error from
/// both attainments' binomial errors). <see cref="InteractiveP95Ratio"/> and <see cref="ExpandedP95Ratio"/>: that policy's
/// interactive p95 and LLM-expanded interactive p95 at 1× load over iteration-level FCFS's, both measured interleaved;
/// <see cref="ExpandedAllP95Ratio"/> counts the expanded batch requests too.
/// </summary>
public sealed record SloBenchReport(
    string Device,
    int Steps,
    int RequestsPerPoint,
    int Repeats,
    double StandaloneStepSeconds,
    double StandaloneExpansionSeconds,
    double CapacityPerSecond,
    IReadOnlyList<SloPoint> Points,
    double GainLoad,
    string BestPolicy,
    double SloAttainmentGain,
    double SloAttainmentGainStandardError,
    double InteractiveP95Ratio,
    double ExpandedP95Ratio,
    double ExpandedAllP95Ratio,
    IReadOnlyList<PolicyFigures> Policies,
    double ElapsedMinutes)
{
    /// <summary>Request-level FCFS alone, one repeat per sweep load: the probe that found <see cref="GainLoad"/>.</summary>
    public IReadOnlyList<SloPoint> Probe { get; init; } = [];

    /// <summary>The two measured loads the gain was interpolated between; empty when it was read at a measured load.</summary>
    public IReadOnlyList<double> GainBracket { get; init; } = [];
}

/// <summary>The headline figures of one deadline-aware policy: its gain at the baseline's 50 % load and its p95 ratios at 1×.</summary>
public sealed record PolicyFigures(string Policy, double SloAttainmentGain, double SloAttainmentGainStandardError, double InteractiveP95Ratio,
    double ExpandedP95Ratio, double ExpandedAllP95Ratio);
