using Diffusion.Engine;

namespace Diffusion.Lab.EngineBench;

/// <summary>The KV pool after one iteration of a load run.</summary>
public readonly record struct KvSample(
    int Iteration,
    int Waiting,
    int Sequences,
    long AllocatedSlots,
    long FilledSlots,
    int KvBlocks,
    long LogicalBlocks);

/// <summary>
/// The memory metrics of <c>bench engine</c>, as plain formulas over samples, so they can be checked on
/// small cases. "Steady state" is the window where the engine is saturated: after warm-up (the first
/// request finished) and while requests still wait for memory.
/// </summary>
public static class KvMetrics
{
    /// <summary>Samples of the saturated window: from the first finish on, while the queue is not empty.</summary>
    public static IReadOnlyList<KvSample> SteadyState(IReadOnlyList<KvSample> samples, int firstFinishIteration) =>
        samples.Where(s => s.Iteration >= firstFinishIteration && s.Waiting > 0).ToList();

    /// <summary>KV slots allocated but holding no token, over all allocated slots of the window (a ratio of sums).</summary>
    public static double Waste(IReadOnlyList<KvSample> window)
    {
        long allocated = window.Sum(s => s.AllocatedSlots);
        return allocated == 0 ? 0 : (double)(allocated - window.Sum(s => s.FilledSlots)) / allocated;
    }

    /// <summary>Sequences holding KV at once, averaged over the window.</summary>
    public static double MeanSequences(IReadOnlyList<KvSample> window) =>
        window.Count == 0 ? 0 : window.Average(s => (double)s.Sequences);

    /// <summary>Physical KV blocks per resident sequence over the window (shared blocks counted once).</summary>
    public static double BlocksPerSequence(IReadOnlyList<KvSample> window)
    {
        long sequences = window.Sum(s => (long)s.Sequences);
        return sequences == 0 ? 0 : (double)window.Sum(s => (long)s.KvBlocks) / sequences;
    }

    /// <summary>Blocks sharing saved against the same engine without sharing: 1 − blocks per sequence with / without.</summary>
    public static double SharingSaving(double blocksPerSequenceShared, double blocksPerSequenceUnshared) =>
        blocksPerSequenceUnshared <= 0 ? 0 : 1.0 - (blocksPerSequenceShared / blocksPerSequenceUnshared);

    /// <summary>The same saving read off one run: physical blocks against the blocks the block tables name.</summary>
    public static double SharingSavingInRun(IReadOnlyList<KvSample> window)
    {
        long logical = window.Sum(s => s.LogicalBlocks);
        return logical == 0 ? 0 : 1.0 - ((double)window.Sum(s => (long)s.KvBlocks) / logical);
    }

    /// <summary>Ratio of two engines' mean concurrency (paged over contiguous).</summary>
    public static double ConcurrencyRatio(double paged, double contiguous) => contiguous <= 0 ? 0 : paged / contiguous;
}
