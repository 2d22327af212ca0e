using System.Diagnostics;
using Diffusion.Engine;
using Diffusion.Engine.Llm;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Lab.EngineBench;

/// <summary>How one LLM load run is set up: block geometry, sharing and the memory budget.</summary>
public sealed record KvLoadOptions
{
    /// <summary>Tokens per block; a block of max_position_embeddings tokens is the contiguous max-length reservation.</summary>
    public required int BlockSize { get; init; }

    public required bool PrefixCaching { get; init; }

    public required long BudgetBytes { get; init; }

    /// <summary>High enough that memory, not this cap, limits how many sequences run.</summary>
    public int MaxSequences { get; init; } = 1024;

    public int MaxTokensPerIteration { get; init; } = 512;

    public KvLoadOptions Validate()
    {
        if (BlockSize < 1 || BudgetBytes <= 0 || MaxSequences < 1 || MaxTokensPerIteration < 1)
        {
            throw new ArgumentException("KvLoadOptions: block size, budget, sequence and token limits must be positive");
        }

        return this;
    }
}

/// <summary>What one load run measured; the metrics are over its steady-state window.</summary>
public sealed record KvLoadResult(
    KvLoadOptions Options,
    int TotalBlocks,
    int Requests,
    int Iterations,
    int SteadyIterations,
    double Waste,
    double MeanSequences,
    int PeakSequences,
    double BlocksPerSequence,
    double SharingSavingInRun,
    long GeneratedTokens,
    long ComputedTokens,
    long Preemptions,
    double Seconds,
    double CpuSeconds,
    double MathSeconds)
{
    public double GeneratedTokensPerSecond => Seconds <= 0 ? 0 : GeneratedTokens / Seconds;

    /// <summary>Tokens per second of the process's CPU time: what one otherwise idle core would give, steady under other load.</summary>
    public double GeneratedTokensPerCpuSecond => CpuSeconds <= 0 ? 0 : GeneratedTokens / CpuSeconds;

    public double FractionOutsideMath => Seconds <= 0 ? 0 : 1.0 - (MathSeconds / Seconds);
}

/// <summary>
/// The real LLM stack (block pool, KV cache manager, iteration scheduler, LLM runner) under a backlog: every
/// request is queued at once, so memory decides how many run. Driven iteration by iteration on the caller's
/// thread (what the engine loop does, minus the thread), sampling the pool after each iteration.
/// </summary>
public static class KvLoadRun
{
    public static KvLoadResult Run(LlmModel model, IReadOnlyList<ExpansionRequest> workload, KvLoadOptions options,
        CancellationToken cancellationToken)
    {
        options.Validate();
        LlmConfig config = model.Config;
        using var pool = new BlockPool(BlockPoolOptions.ForKvCache(options.BudgetBytes, options.BlockSize, config.Layers, config.ModelDim));
        var kv = new KvCacheManager(pool, new KvCacheOptions { BlockSize = options.BlockSize, EnablePrefixCaching = options.PrefixCaching });
        var scheduler = new IterationScheduler(new SchedulerOptions
        {
            MaxLlmSequences = options.MaxSequences,
            MaxTokensPerIteration = options.MaxTokensPerIteration,
            MaxModelLength = config.MaxPositions,
            EosTokenId = config.EosTokenId,
            Preemption = PreemptionMode.Recompute,
        }, kv);
        var runner = new LlmRunner(model, pool);
        for (int i = 0; i < workload.Count; i++)
        {
            scheduler.Add(new LlmSequenceGroup(new RequestId(i + 1), workload[i].Prompt,
                new SamplingParams { MaxTokens = workload[i].OutputTokens, IgnoreEos = true, Seed = (ulong)i }));
        }

        var samples = new List<KvSample>();
        int firstFinish = int.MaxValue, finished = 0;
        long math = 0;
        TimeSpan cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        long started = Stopwatch.GetTimestamp();
        for (int iteration = 0; scheduler.HasWork; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            SchedulePlan plan = scheduler.Schedule();
            if (plan.Aborted.Count > 0)
            {
                throw new InvalidOperationException($"the load run lost a request: {plan.Aborted[0].Message}");
            }

            if (plan.Llm is null)
            {
                throw new InvalidOperationException("the scheduler found nothing to run while requests were pending");
            }

            LlmBatchOutput output = runner.Execute(plan.Llm);
            math += (long)(output.MathTime.TotalSeconds * Stopwatch.Frequency);
            IterationEvents events = scheduler.Update(plan, output, null);
            finished += events.FinishedLlm.Count;
            if (finished > 0)
            {
                firstFinish = Math.Min(firstFinish, iteration);
            }

            KvCacheStats stats = kv.GetStats();
            samples.Add(new KvSample(iteration, scheduler.WaitingCount, kv.SequenceCount, stats.AllocatedSlots, stats.FilledSlots,
                stats.KvBlocks, stats.LogicalBlocks));
        }

        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        double cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        IReadOnlyList<KvSample> window = KvMetrics.SteadyState(samples, firstFinish);
        if (window.Count == 0)
        {
            throw new InvalidOperationException(
                $"the load never saturated the pool ({pool.NumBlocks} blocks of {options.BlockSize} tokens): queue more requests or lower the budget");
        }

        SchedulerCounters counters = scheduler.Counters;
        return new KvLoadResult(options, pool.NumBlocks, workload.Count, samples.Count, window.Count,
            KvMetrics.Waste(window), KvMetrics.MeanSequences(window), samples.Max(s => s.Sequences),
            KvMetrics.BlocksPerSequence(window), KvMetrics.SharingSavingInRun(window),
            counters.GeneratedTokens, counters.PromptTokensComputed + counters.RecomputedTokens + counters.GeneratedTokens,
            counters.Preemptions, seconds, cpu, (double)math / Stopwatch.Frequency);
    }
}
