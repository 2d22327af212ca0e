using Diffusion.Inference.Sampling;

namespace Diffusion.Replay.Traces;

/// <summary>
/// The generator's seeded random source: <see cref="Xoshiro256"/> (xoshiro256** seeded through SplitMix64). Its own algorithm
/// rather than <see cref="Random"/>, so a trace is the same bytes for the same seed on every runtime.
/// </summary>
public sealed class TraceRandom(long seed)
{
    private readonly Xoshiro256 _bits = new(unchecked((ulong)seed));

    public ulong NextUInt64() => _bits.NextUInt64();

    /// <summary>Uniform in [0, 1), 53 bits.</summary>
    public double NextDouble() => _bits.NextUniform();

    /// <summary>Uniform in [0, <paramref name="count"/>) by multiply-shift (bias below count / 2^64).</summary>
    public int NextInt(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        return (int)Math.BigMul(NextUInt64(), (ulong)count, out _);
    }

    public T Pick<T>(IReadOnlyList<T> items) => items[NextInt(items.Count)];

    /// <summary>An independent stream, so a side computation does not shift the main sequence.</summary>
    public TraceRandom Fork() => new(unchecked((long)NextUInt64()));
}
