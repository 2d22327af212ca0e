namespace Diffusion.Lab.Slo;

/// <summary>
/// <c>bench slo</c>'s headline figures from its measured points (kept apart so a recorded JSON can be summarised
/// again). The gain is read where request-level FCFS attains 50 %: between the two measured loads that bracket it,
/// every policy's attainment is interpolated linearly to that load, since FCFS's attainment falls steeply near its
/// saturation and a point a few per cent of load away can read 0.35 where the crossing reads 0.5. Where no two loads
/// bracket 50 %, the load closest to it is used as measured. The p95 ratios are read at the load closest to 1×.
/// </summary>
public static class SloHeadline
{
    public const string Baseline = "request-fcfs";
    public const string Iteration = "iteration-fcfs";

    public static SloBenchReport Summarise(SloBenchReport measured) =>
        Summarise(measured.Device, measured.Steps, measured.RequestsPerPoint, measured.Repeats, measured.StandaloneStepSeconds,
            measured.StandaloneExpansionSeconds, measured.CapacityPerSecond, measured.Points, measured.ElapsedMinutes) with { Probe = measured.Probe };

    public static SloBenchReport Summarise(string device, int steps, int requests, int repeats, double stepSeconds, double expansionSeconds,
        double capacity, IReadOnlyList<SloPoint> points, double elapsedMinutes)
    {
        var baseline = points.Where(p => p.Policy == Baseline).OrderBy(p => p.Load).ToArray();
        var crossing = Crossing(baseline);
        double gainLoad;
        Func<string, (double Attainment, double Error)> attainment;
        if (crossing is { } c)
        {
            gainLoad = c.Load;
            attainment = policy => Interpolated(At(policy, c.Below.Load), At(policy, c.Above.Load), c.Weight);
        }
        else
        {
            gainLoad = baseline.MinBy(p => Math.Abs(p.SloAttainment - 0.5))!.Load;
            attainment = policy => (At(policy, gainLoad).SloAttainment, At(policy, gainLoad).SloAttainmentStandardError);
        }

        var unit = baseline.Select(p => p.Load).MinBy(l => Math.Abs(l - 1.0));
        var iteration = At(Iteration, unit);
        var (baseAttainment, baseError) = attainment(Baseline);
        var policies = points.Select(p => p.Policy).Distinct().Where(p => p is not (Baseline or Iteration)).Select(policy =>
        {
            var (own, ownError) = attainment(policy);
            var gain = Gain(own, baseAttainment);
            var atUnit = At(policy, unit);
            return new PolicyFigures(policy, gain, GainError(gain, own, ownError, baseAttainment, baseError),
                atUnit.Interactive.P95 / iteration.Interactive.P95, atUnit.ExpandedInteractive.P95 / iteration.ExpandedInteractive.P95,
                atUnit.Expanded.P95 / iteration.Expanded.P95);
        }).ToList();
        var best = policies.MaxBy(p => p.SloAttainmentGain)!;
        return new SloBenchReport(device, steps, requests, repeats, stepSeconds, expansionSeconds, capacity, points, gainLoad, best.Policy,
            best.SloAttainmentGain, best.SloAttainmentGainStandardError, best.InteractiveP95Ratio, best.ExpandedP95Ratio, best.ExpandedAllP95Ratio,
            policies, elapsedMinutes)
        {
            GainBracket = crossing is { } b ? [b.Below.Load, b.Above.Load] : [],
        };

        SloPoint At(string policy, double load) => points.Single(p => p.Policy == policy && p.Load == load);
    }

    /// <summary>
    /// The load where the baseline's attainment crosses 50 %, interpolated linearly between the first two neighbouring
    /// loads that bracket it (rounded to 0.001); null when no two loads do.
    /// </summary>
    public static double? HalfAttainmentLoad(IReadOnlyList<SloPoint> baseline) => Crossing(baseline.OrderBy(p => p.Load).ToArray())?.Load;

    private sealed record Bracket(SloPoint Below, SloPoint Above, double Load)
    {
        /// <summary>How far <see cref="Load"/> lies from <see cref="Below"/> towards <see cref="Above"/>.</summary>
        public double Weight => (Load - Below.Load) / (Above.Load - Below.Load);
    }

    private static Bracket? Crossing(SloPoint[] sorted)
    {
        for (var i = 0; i + 1 < sorted.Length; i++)
        {
            var (a, b) = (sorted[i], sorted[i + 1]);
            if (a.SloAttainment >= 0.5 && b.SloAttainment <= 0.5 && a.SloAttainment > b.SloAttainment)
            {
                return new Bracket(a, b, Math.Round(a.Load + (a.SloAttainment - 0.5) / (a.SloAttainment - b.SloAttainment) * (b.Load - a.Load), 3));
            }
        }
        return null;
    }

    /// <summary>The attainment between two points, and its standard error from theirs (independent runs).</summary>
    private static (double Attainment, double Error) Interpolated(SloPoint below, SloPoint above, double weight) =>
        (below.SloAttainment + weight * (above.SloAttainment - below.SloAttainment),
            Math.Sqrt(Math.Pow((1 - weight) * below.SloAttainmentStandardError, 2) + Math.Pow(weight * above.SloAttainmentStandardError, 2)));

    /// <summary>How many times the baseline's attainment a policy reached: infinite over a baseline that met none, 1 when neither did.</summary>
    private static double Gain(double attainment, double baseline) =>
        baseline > 0 ? attainment / baseline : attainment > 0 ? double.PositiveInfinity : 1;

    /// <summary>The ratio's standard error from both attainments' (delta method); NaN where either is 0.</summary>
    private static double GainError(double gain, double own, double ownError, double baseline, double baselineError) =>
        own > 0 && baseline > 0 ? gain * Math.Sqrt(Math.Pow(ownError / own, 2) + Math.Pow(baselineError / baseline, 2)) : double.NaN;
}
