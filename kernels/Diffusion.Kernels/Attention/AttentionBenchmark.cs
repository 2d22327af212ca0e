using System.Diagnostics;

namespace Diffusion.Kernels.Attention;

/// <summary>
/// A short micro-benchmark of <see cref="PagedAttention"/> against <see cref="ContiguousAttention"/> on identical
/// random data (the paged copy scattered over a shuffled block table). Default options take well under a second.
/// Not a test: it only measures and reports. Each round times both kernels back to back; the ratio is the median of
/// the rounds' ratios, so load from other processes, which hits both halves of a round alike, mostly cancels out.
/// </summary>
public static class AttentionBenchmark
{
    public static AttentionBenchmarkResult Run(AttentionBenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var random = new Random(options.Seed);
        var rowLength = options.NumHeads * options.HeadDim;
        var keys = RandomFloats(random, options.ContextLength * rowLength);
        var values = RandomFloats(random, options.ContextLength * rowLength);
        var queries = RandomFloats(random, options.NumQueries * rowLength);
        var (kPool, vPool, table) = Scatter(random, keys, values, options);
        var firstQueryPosition = options.ContextLength - options.NumQueries;
        var paged = new float[queries.Length];
        var contiguous = new float[queries.Length];

        void RunPaged() => PagedAttention.Compute(queries, kPool, vPool, table, options.BlockSize, options.NumHeads,
            options.HeadDim, firstQueryPosition, options.NumQueries, paged);
        void RunContiguous() => ContiguousAttention.Compute(queries, keys, values, options.NumHeads, options.HeadDim,
            firstQueryPosition, options.NumQueries, contiguous);

        // Warm-up lets tiered JIT settle on optimised code for both before anything is timed.
        for (var i = 0; i < 50; i++)
        {
            RunPaged();
            RunContiguous();
        }

        var pagedTimes = new double[options.Rounds];
        var contiguousTimes = new double[options.Rounds];
        var ratios = new double[options.Rounds];
        for (var round = 0; round < options.Rounds; round++)
        {
            // Alternate which kernel goes first so neither always inherits a warmer cache.
            if (round % 2 == 0)
            {
                pagedTimes[round] = Time(RunPaged, options.CallsPerRound);
                contiguousTimes[round] = Time(RunContiguous, options.CallsPerRound);
            }
            else
            {
                contiguousTimes[round] = Time(RunContiguous, options.CallsPerRound);
                pagedTimes[round] = Time(RunPaged, options.CallsPerRound);
            }

            ratios[round] = pagedTimes[round] / contiguousTimes[round];
        }

        var maxDifference = 0f;
        for (var i = 0; i < paged.Length; i++)
        {
            maxDifference = Math.Max(maxDifference, Math.Abs(paged[i] - contiguous[i]));
        }

        Array.Sort(ratios);
        return new AttentionBenchmarkResult(options, pagedTimes.Min(), contiguousTimes.Min(), ratios[ratios.Length / 2], maxDifference);
    }

    /// <summary>One <see cref="Run"/> per context length, other options unchanged.</summary>
    public static IReadOnlyList<AttentionBenchmarkResult> RunSweep(AttentionBenchmarkOptions options, IEnumerable<int> contextLengths)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(contextLengths);
        return contextLengths.Select(length => Run(options with { ContextLength = length })).ToList();
    }

    private static double Time(Action call, int calls)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < calls; i++)
        {
            call();
        }

        return Stopwatch.GetElapsedTime(start).TotalMicroseconds / calls;
    }

    private static float[] RandomFloats(Random random, int count)
    {
        var data = new float[count];
        for (var i = 0; i < count; i++)
        {
            data[i] = random.NextSingle() * 2 - 1;
        }

        return data;
    }

    // Copies contiguous K/V into pools twice the needed size, through a shuffled block table.
    private static (float[] KPool, float[] VPool, int[] Table) Scatter(
        Random random, float[] keys, float[] values, AttentionBenchmarkOptions options)
    {
        var blockStride = options.BlockSize * options.NumHeads * options.HeadDim;
        var blocksNeeded = (options.ContextLength + options.BlockSize - 1) / options.BlockSize;
        var physical = Enumerable.Range(0, blocksNeeded * 2).ToArray();
        random.Shuffle(physical);
        var table = physical[..blocksNeeded];
        var kPool = new float[blocksNeeded * 2 * blockStride];
        var vPool = new float[kPool.Length];
        for (var b = 0; b < blocksNeeded; b++)
        {
            var length = Math.Min(blockStride, keys.Length - b * blockStride);
            keys.AsSpan(b * blockStride, length).CopyTo(kPool.AsSpan(table[b] * blockStride));
            values.AsSpan(b * blockStride, length).CopyTo(vPool.AsSpan(table[b] * blockStride));
        }

        return (kPool, vPool, table);
    }
}
