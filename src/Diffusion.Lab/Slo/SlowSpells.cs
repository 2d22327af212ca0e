namespace Diffusion.Lab.Slo;

/// <summary>
/// A machine that slows for seconds at a time, as the shared 2-core VM does: time is cut into spans of
/// <see cref="Seconds"/>, and each span, with probability <see cref="Share"/>, runs every iteration
/// <see cref="Factor"/> times dearer. Independent jitter per iteration averages out within a request; spells do not, and
/// they move what the cost model learns.
/// </summary>
public sealed record SlowSpells(double Factor, double Share, double Seconds)
{
    public SlowSpells Validate()
    {
        if (!double.IsFinite(Factor) || Factor < 1 || Share is < 0 or > 1 || !double.IsFinite(Seconds) || Seconds <= 0)
        {
            throw new ArgumentException("bench slo --slow-spells FACTOR,SHARE,SECONDS: factor ≥ 1, share in [0, 1], seconds > 0.");
        }
        return this;
    }

    /// <summary>The factor of the span holding <paramref name="at"/>; the same span and seed always draw alike.</summary>
    public double FactorAt(TimeSpan at, int seed)
    {
        long span = (long)(at.TotalSeconds / Seconds);
        return Uniform((ulong)span * 0x9E3779B97F4A7C15UL ^ (ulong)seed) < Share ? Factor : 1;
    }

    // SplitMix64's finaliser: a well-mixed draw per span without keeping a generator's state
    private static double Uniform(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 27;
        x *= 0x94D049BB133111EBUL;
        x ^= x >> 31;
        return (x >> 11) * (1.0 / (1UL << 53));
    }
}
