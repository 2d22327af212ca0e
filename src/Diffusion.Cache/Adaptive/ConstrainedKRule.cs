namespace Diffusion.Cache.Adaptive;

/// <summary>
/// The decision rule of online K adaptation, a bandit with a quality constraint: per similarity bucket, use the
/// largest K whose mean CLIP-score drop is known to stay within the tolerance. A K is <em>proven</em> once its
/// window holds enough observations and their mean drop is within the tolerance; it is <em>ruled out</em> when
/// the drop exceeds the tolerance by more than <see cref="AdaptiveKOptions.Confidence"/> standard errors. Skipping
/// more steps never costs less quality, so a ruled-out K rules out every larger one.
/// </summary>
internal static class ConstrainedKRule
{
    /// <summary>The bucket's new K index after an observation: one down when its K is ruled out, one up when the next is proven.</summary>
    public static int Next(int current, Func<int, ArmVerdict> verdict, int ladderLength)
    {
        if (current > 0 && verdict(current) == ArmVerdict.RuledOut)
        {
            return current - 1;
        }
        if (current + 1 < ladderLength && verdict(current + 1) == ArmVerdict.Proven)
        {
            return current + 1;
        }
        return current;
    }

    /// <summary>What an arm's window says against the bucket's expected full-run score.</summary>
    public static ArmVerdict Judge(ArmEstimate arm, ArmEstimate expected, AdaptiveKOptions options)
    {
        if (arm.Count < options.MinSamples || expected.Count < 2)
        {
            return ArmVerdict.Unknown;
        }
        var drop = expected.Mean - arm.Mean;
        var error = Math.Sqrt(Square(arm.StandardError) + Square(expected.StandardError));
        if (drop - options.Confidence * error > options.Tolerance)
        {
            return ArmVerdict.RuledOut;
        }
        return drop <= options.Tolerance ? ArmVerdict.Proven : ArmVerdict.Unknown;

        static double Square(double x) => double.IsNaN(x) ? 0 : x * x;
    }
}

internal enum ArmVerdict
{
    Unknown,
    Proven,
    RuledOut,
}

/// <summary>An arm's window in numbers: CLIP scores observed, their mean and its standard error.</summary>
internal readonly record struct ArmEstimate(int Count, double Mean, double StandardError);
