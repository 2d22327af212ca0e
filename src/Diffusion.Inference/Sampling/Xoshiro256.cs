namespace Diffusion.Inference.Sampling;

/// <summary>
/// xoshiro256** with its state expanded from a 64-bit seed by splitmix64: small and fully specified, so a seed
/// gives the same numbers on every machine and .NET version, and a Python script can replicate it exactly
/// (see <see cref="SeededNormalRng"/>). Not thread-safe; one instance per stream.
/// </summary>
public sealed class Xoshiro256
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    private ulong _s0, _s1, _s2, _s3;

    public Xoshiro256(ulong seed)
    {
        var state = seed;
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextUniform() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public ulong NextUInt64()
    {
        var result = RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong SplitMix64(ref ulong state)
    {
        state += Golden;
        var z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
