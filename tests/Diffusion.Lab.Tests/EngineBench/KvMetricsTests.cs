using Diffusion.Lab.EngineBench;

namespace Diffusion.Lab.Tests.EngineBench;

public sealed class KvMetricsTests
{
    private static KvSample Sample(int iteration, int waiting, int sequences, long allocated, long filled, int kvBlocks = 0, long logicalBlocks = 0) =>
        new(iteration, waiting, sequences, allocated, filled, kvBlocks, logicalBlocks);

    [Fact]
    public void Waste_is_a_ratio_of_sums_over_the_window()
    {
        // 4 of 16 and 12 of 32 slots empty: 16 / 48, not the mean of the two ratios (0.3125).
        KvSample[] window = [Sample(5, 1, 2, 16, 12), Sample(6, 1, 3, 32, 20)];
        Assert.Equal(1.0 / 3, KvMetrics.Waste(window), 12);
        Assert.Equal(0, KvMetrics.Waste([]));
    }

    [Fact]
    public void The_steady_state_starts_at_the_first_finish_and_ends_when_the_queue_empties()
    {
        KvSample[] samples =
        [
            Sample(0, 9, 1, 16, 1), Sample(1, 8, 2, 16, 2), Sample(2, 5, 4, 32, 20), Sample(3, 2, 4, 32, 24), Sample(4, 0, 3, 32, 22),
        ];
        IReadOnlyList<KvSample> window = KvMetrics.SteadyState(samples, firstFinishIteration: 2);
        Assert.Equal([2, 3], window.Select(s => s.Iteration));
        Assert.Equal(4, KvMetrics.MeanSequences(window));
    }

    [Fact]
    public void Blocks_per_sequence_and_the_sharing_saving_follow_their_definitions()
    {
        // 10 blocks for 4 sequences, then 14 for 6: 24 / 10 = 2.4 (the mean of ratios would be 2.42).
        KvSample[] window = [Sample(1, 1, 4, 0, 0, kvBlocks: 10, logicalBlocks: 20), Sample(2, 1, 6, 0, 0, kvBlocks: 14, logicalBlocks: 28)];
        Assert.Equal(2.4, KvMetrics.BlocksPerSequence(window), 12);
        Assert.Equal(0.5, KvMetrics.SharingSavingInRun(window), 12);
        Assert.Equal(1 - (1.5 / 4.5), KvMetrics.SharingSaving(1.5, 4.5), 12);
        Assert.Equal(0, KvMetrics.SharingSaving(1, 0));
        Assert.Equal(2.5, KvMetrics.ConcurrencyRatio(35, 14), 12);
        Assert.Equal(0, KvMetrics.ConcurrencyRatio(35, 0));
    }
}
