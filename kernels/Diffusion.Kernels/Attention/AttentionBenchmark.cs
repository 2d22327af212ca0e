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
        var paged = AlignedBuffer.Allocate(queries.Length);
        var contiguous = AlignedBuffer.Allocate(queries.Length);

        void RunPaged() => PagedAttention.Compute(queries.Span, kPool.Span, vPool.Span, table, options.BlockSize,
            options.NumHeads, options.HeadDim, firstQueryPosition, options.NumQueries, paged.Span);
        void RunContiguous() => ContiguousAttention.Compute(queries.Span, keys.Span, values.Span, options.NumHeads,
            options.HeadDim, firstQueryPosition, options.NumQueries, contiguous.Span);

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
            maxDifference = Math.Max(maxDifference, Math.Abs(paged.Span[i] - contiguous.Span[i]));
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

    private static Memory<float> RandomFloats(Random random, int count)
    {
        var data = AlignedBuffer.Allocate(count);
        var span = data.Span;
        for (var i = 0; i < count; i++)
        {
            span[i] = random.NextSingle() * 2 - 1;
        }

        return data;
    }

    // Copies contiguous K/V into pools twice the needed size, through a shuffled block table.
    private static (Memory<float> KPool, Memory<float> VPool, int[] Table) Scatter(
        Random random, Memory<float> keysMemory, Memory<float> valuesMemory, AttentionBenchmarkOptions options)
    {
        var keys = keysMemory.Span;
        var values = valuesMemory.Span;
        var blockStride = options.BlockSize * options.NumHeads * options.HeadDim;
        var blocksNeeded = (options.ContextLength + options.BlockSize - 1) / options.BlockSize;
        var physical = Enumerable.Range(0, blocksNeeded * 2).ToArray();
        random.Shuffle(physical);
        var table = physical[..blocksNeeded];
        var kPool = AlignedBuffer.Allocate(blocksNeeded * 2 * blockStride);
        var vPool = AlignedBuffer.Allocate(kPool.Length);
        for (var b = 0; b < blocksNeeded; b++)
        {
            var length = Math.Min(blockStride, keys.Length - b * blockStride);
            keys.Slice(b * blockStride, length).CopyTo(kPool.Span[(table[b] * blockStride)..]);
            values.Slice(b * blockStride, length).CopyTo(vPool.Span[(table[b] * blockStride)..]);
        }

        return (kPool, vPool, table);
    }
}
