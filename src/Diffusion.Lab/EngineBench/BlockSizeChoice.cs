using Diffusion.Engine;

namespace Diffusion.Lab.EngineBench;

/// <summary>One block size of the sweep: KV waste at steady state, LLM throughput under load, paged-attention overhead.</summary>
public sealed record BlockSizeCandidate(int BlockSize, double Waste, double TokensPerSecond, double AttentionOverhead);

/// <summary>
/// The rule that picks the default block size from the sweep: among sizes whose attention overhead is within
/// the limit and whose throughput is within a tolerance of the best of those, the one wasting least KV memory (a
/// tie goes to the larger block: shorter block tables, fewer hashes). When no size is within the limit, the fastest. The
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

        // the throughput bar is set by the sizes that pass the overhead limit: a fast size the limit excludes
        // must not push every eligible one below the tolerance
        var eligible = sweep.Where(c => c.AttentionOverhead <= maxOverhead).ToList();
        if (eligible.Count == 0)
        {
            BlockSizeCandidate fastest = sweep.MaxBy(c => c.TokensPerSecond)!;
            return (fastest.BlockSize, $"no size had attention overhead <= {maxOverhead:F2}; {fastest.BlockSize} is the fastest");
        }
        double best = eligible.Max(c => c.TokensPerSecond);
        var fit = eligible.Where(c => c.TokensPerSecond >= (1 - throughputTolerance) * best).ToList();

        BlockSizeCandidate pick = fit.OrderBy(c => Math.Round(c.Waste, 3)).ThenByDescending(c => c.BlockSize).First();
        return (pick.BlockSize, $"{pick.BlockSize} wastes least KV memory ({pick.Waste:P1}) among the sizes within {throughputTolerance:P0} "
            + $"of the best LLM throughput and with attention overhead <= {maxOverhead:F2}");
    }
}
