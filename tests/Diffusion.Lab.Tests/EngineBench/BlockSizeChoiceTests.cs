using Diffusion.Lab.EngineBench;

namespace Diffusion.Lab.Tests.EngineBench;

public sealed class BlockSizeChoiceTests
{
    [Fact]
    public void Picks_the_least_waste_among_fast_enough_sizes_with_acceptable_attention_overhead()
    {
        BlockSizeCandidate[] sweep =
        [
            new(4, Waste: 0.01, TokensPerSecond: 850, AttentionOverhead: 1.05),  // too slow (< 90% of 1000)
            new(8, Waste: 0.05, TokensPerSecond: 960, AttentionOverhead: 1.20),  // attention too costly
            new(16, Waste: 0.10, TokensPerSecond: 1000, AttentionOverhead: 1.02),
            new(32, Waste: 0.08, TokensPerSecond: 910, AttentionOverhead: 1.01),
        ];
        (int size, string reason) = BlockSizeChoice.Pick(sweep);
        Assert.Equal(32, size);
        Assert.Contains("32", reason);
    }

    [Fact]
    public void A_tie_in_waste_goes_to_the_larger_block_and_no_fit_falls_back_to_the_fastest()
    {
        Assert.Equal(16, BlockSizeChoice.Pick([new(8, 0.02, 1000, 1.0), new(16, 0.02, 1000, 1.0)]).BlockSize);
        Assert.Equal(8, BlockSizeChoice.Pick([new(8, 0.2, 1000, 1.5), new(16, 0.1, 500, 1.5)]).BlockSize);
        Assert.Throws<ArgumentException>(() => BlockSizeChoice.Pick([]));
    }

    [Fact]
    public void A_fast_size_over_the_overhead_limit_does_not_set_the_throughput_bar()
    {
        // 16 is fastest but its attention costs too much; 2 is the best of the rest, so it stays in
        BlockSizeCandidate[] sweep = [new(2, 0.01, 850, 1.05), new(8, 0.05, 800, 1.02), new(16, 0.10, 1000, 1.30)];
        Assert.Equal(2, BlockSizeChoice.Pick(sweep).BlockSize);
    }
}
