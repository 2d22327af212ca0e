namespace Diffusion.Engine.Benchmarks;

/// <summary>One block size of the sweep: KV waste at steady state, LLM throughput under load, paged-attention overhead.</summary>
public sealed record BlockSizeCandidate(int BlockSize, double Waste, double TokensPerSecond, double AttentionOverhead);

/// <summary>
/// The rule that picks the default block size from the sweep: among sizes whose attention overhead is within
/// the limit and whose throughput is within a tolerance of the best, the one wasting least KV memory (a tie
/// goes to the larger block: shorter block tables, fewer hashes). When none qualifies, the fastest. The
/// tolerance is 10% because repeated load runs of one block size differ by about that much on a shared machine,
/// and a pick must not follow noise.
/// </summary>
public static class BlockSizeChoice
{
    public static (int BlockSize, string Reason) Pick(IReadOnlyList<BlockSizeCandidate> sweep, double maxOverhead = 1.10,
        double throughputTolerance = 0.10)
    {
        if (sweep.Count == 0)
        {
            throw new ArgumentException("the sweep is empty");
        }

        double best = sweep.Max(c => c.TokensPerSecond);
        var fit = sweep.Where(c => c.AttentionOverhead <= maxOverhead && c.TokensPerSecond >= (1 - throughputTolerance) * best).ToList();
        if (fit.Count == 0)
        {
            BlockSizeCandidate fastest = sweep.MaxBy(c => c.TokensPerSecond)!;
            return (fastest.BlockSize, $"no size had attention overhead <= {maxOverhead:F2} and throughput within "
                + $"{throughputTolerance:P0} of the best; {fastest.BlockSize} is the fastest");
        }

        BlockSizeCandidate pick = fit.OrderBy(c => Math.Round(c.Waste, 3)).ThenByDescending(c => c.BlockSize).First();
        return (pick.BlockSize, $"{pick.BlockSize} wastes least KV memory ({pick.Waste:P1}) among the sizes within {throughputTolerance:P0} "
            + $"of the best LLM throughput and with attention overhead <= {maxOverhead:F2}");
    }
}
