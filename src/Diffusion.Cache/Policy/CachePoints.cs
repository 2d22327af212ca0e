namespace Diffusion.Cache.Policy;

/// <summary>
/// The steps whose entering latent is cached: NIRVANA's K ∈ {5,10,15,20,25} of a 50-step run, scaled to
/// the request's step count (K·N/50, rounded half away from zero) and kept inside [1, N−1].
/// </summary>
public sealed record CachePoints
{
    public CachePoints(IReadOnlyList<int> referenceKs, int referenceSteps)
    {
        ArgumentNullException.ThrowIfNull(referenceKs);
        if (referenceSteps < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(referenceSteps), referenceSteps, "the reference step count must be at least 2.");
        }
        if (referenceKs.Count == 0 || referenceKs.Any(k => k < 1 || k >= referenceSteps))
        {
            throw new ArgumentException($"cache points must be non-empty and each in [1, {referenceSteps - 1}]; got [{string.Join(", ", referenceKs)}].", nameof(referenceKs));
        }
        ReferenceKs = referenceKs.Distinct().Order().ToArray();
        ReferenceSteps = referenceSteps;
    }

    public static CachePoints Nirvana { get; } = new([5, 10, 15, 20, 25], 50);

    /// <summary>K values in steps of a <see cref="ReferenceSteps"/>-step run, ascending.</summary>
    public IReadOnlyList<int> ReferenceKs { get; }

    public int ReferenceSteps { get; }

    /// <summary>The step of an <paramref name="steps"/>-step run that corresponds to <paramref name="referenceK"/> (0 = none).</summary>
    public int Scale(int referenceK, int steps)
    {
        if (referenceK <= 0 || steps < 2)
        {
            return 0;
        }
        var k = (int)Math.Round(referenceK * (double)steps / ReferenceSteps, MidpointRounding.AwayFromZero);
        return Math.Clamp(k, 1, steps - 1);
    }

    /// <summary>The largest cache point (of the reference run) whose step in an <paramref name="steps"/>-step run is at most <paramref name="k"/> (0 = none).</summary>
    public int ReferenceKOf(int k, int steps) => ReferenceKs.LastOrDefault(r => Scale(r, steps) <= k);

    /// <summary>The distinct cache steps of an <paramref name="steps"/>-step run, ascending (empty below 2 steps).</summary>
    public IReadOnlyList<int> StepsFor(int steps) =>
        steps < 2 ? [] : ReferenceKs.Select(k => Scale(k, steps)).Distinct().Order().ToArray();
}
