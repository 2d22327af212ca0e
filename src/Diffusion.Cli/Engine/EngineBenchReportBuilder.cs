using Diffusion.Inference.Onnx;
using Diffusion.Lab.EngineBench;

namespace Diffusion.Cli.Engine;

/// <summary>Everything the measurements produced, handed to the report builder.</summary>
public sealed record EngineBenchInputs(
    string Models,
    bool Quick,
    string WorkloadSource,
    IReadOnlyList<ExpansionRequest> Workload,
    int InstructionTokens,
    int MaxPositions,
    long BudgetBytes,
    int BudgetContiguousSequences,
    int BlockSize,
    KvLoadResult Contiguous,
    KvLoadResult Paged,
    KvLoadResult Unshared,
    IReadOnlyList<(KvLoadResult Run, double Overhead)> Sweep,
    double AttentionOverhead,
    LlmThroughputResult Batch1,
    LlmThroughputResult Batch16,
    DiffusionThroughputResult Diffusion,
    int ChosenBlockSize,
    string ChosenReason,
    double Seconds);

/// <summary>Turns the measurements into the report: headline metrics beside their baselines and targets.</summary>
public static class EngineBenchReportBuilder
{
    public static EngineBenchReport Build(EngineBenchInputs m)
    {
        DiffusionThroughputResult d = m.Diffusion;
        double sharing = KvMetrics.SharingSaving(m.Paged.BlocksPerSequence, m.Unshared.BlocksPerSequence);
        double concurrency = KvMetrics.ConcurrencyRatio(m.Paged.MeanSequences, m.Contiguous.MeanSequences);
        var notes = new List<string>
        {
            "LLM load runs queue every request at once (a backlog), so the memory budget decides how many sequences run; "
            + "metrics are averaged over the steady state: from the first finished request while requests still wait.",
            "Output lengths are fixed per request (the canonical prompt's tokens + end-of-text, end-of-text ignored), so "
            + "trained and untrained weights hold the same tokens.",
        };
        if (m.ChosenBlockSize != m.BlockSize)
        {
            notes.Add($"The sweep's pick ({m.ChosenBlockSize}) differs from EngineOptions.BlockSize ({m.BlockSize}), at which the headline metrics were measured.");
        }

        return new EngineBenchReport
        {
            Models = m.Models,
            Quick = m.Quick,
            ProcessorCount = Environment.ProcessorCount,
            Device = DeviceLabel.For(ExecutionProviderKind.Cpu),
            Seconds = m.Seconds,
            Workload = new LlmWorkloadInfo(m.WorkloadSource, m.Workload.Count, m.Workload.Average(r => (double)r.Prompt.Length),
                m.Workload.Average(r => (double)r.OutputTokens), m.InstructionTokens, m.MaxPositions, m.BudgetBytes, m.BudgetContiguousSequences),
            BlockSize = m.BlockSize,
            KvWaste = new Metric(m.Paged.Waste, m.Contiguous.Waste, "contiguous max-length reservation", "<= 0.04", m.Paged.Waste <= 0.04,
                "Σ(allocated − filled KV slots) / Σ allocated slots over the steady state; shared blocks count once (physical memory)."),
            MaxConcurrentRatio = new Metric(concurrency, m.Contiguous.MeanSequences, "contiguous: mean sequences held", ">= 2", concurrency >= 2,
                $"mean sequences holding KV at steady state, paged ({m.Paged.MeanSequences:F1}) over contiguous ({m.Contiguous.MeanSequences:F1}), same budget and workload."),
            PrefixSharingSaving = new Metric(sharing, m.Unshared.BlocksPerSequence, "paged without prefix sharing: blocks per sequence", ">= 0.40",
                sharing >= 0.40,
                $"1 − KV blocks per resident sequence with prefix sharing ({m.Paged.BlocksPerSequence:F2}) / without ({m.Unshared.BlocksPerSequence:F2}), steady state."),
            DiffusionThroughputRatio = new Metric(d.RealRatio, d.RealRequestLevel.Throughput, "request-level batching: jobs/s at the SLO rate", ">= 1.5",
                d.RealRatio >= 1.5, DiffusionThroughputResult.Method),
            LlmTokensPerSecond = new LlmSpeed(m.Batch1.TokensPerSecond, m.Batch16.TokensPerSecond, m.Batch1.TokensPerCpuSecond,
                m.Batch16.TokensPerCpuSecond, m.Batch1.FractionOutsideMath,
                m.Batch16.FractionOutsideMath, m.Batch16.TokensPerSequence, m.Batch16.MeanBatchTokens,
                "generated tokens / wall time of a round (prompt prefill included) through the running engine loop; median round; "
                + "outside-math = 1 − runner math time / loop busy time."),
            PagedAttentionOverhead = new Metric(m.AttentionOverhead, 1.0, "contiguous-KV kernel on the same data", "<= 1.10", m.AttentionOverhead <= 1.10,
                $"AttentionBenchmark: median over rounds of paged / contiguous time per decode call, context {m.MaxPositions}, the LLM's heads."),
            BlockSizeSweep = m.Sweep.Select(s => ToSweepRow(s.Run, s.Overhead)).ToList(),
            ChosenBlockSize = m.ChosenBlockSize,
            ChosenBlockSizeReason = m.ChosenReason,
            LoadRuns = new[] { ("contiguous", m.Contiguous), ("paged, no sharing", m.Unshared) }
                .Concat(m.Sweep.Select(s => ($"paged, block {s.Run.Options.BlockSize}", s.Run)))
                .Select(x => ToLoadRun(x.Item1, x.Item2)).ToList(),
            Diffusion = new DiffusionDetail(d.Options.MaxBatch, d.Options.TotalSteps, [d.Options.MinRemaining, d.Options.MaxRemaining],
                d.Options.GuidanceScale, d.IterationSecondsByJobs.Skip(1).ToList(), d.LoneJobSeconds, d.Options.SloFactor, d.SloSeconds,
                d.Options.SimulatedJobs, d.SimulatedRateIterationLevel, d.SimulatedRateRequestLevel, d.SimulatedRatio,
                d.Curve.Select(p => new SloPoint(p.SloFactor, p.SloSeconds, p.IterationLevel, p.RequestLevel, p.Ratio)).ToList(), d.Options.RealJobs,
                ToRun(d.RealIterationLevel), ToRun(d.RealRequestLevel), ToRun(d.ModelledIterationLevel), ToRun(d.ModelledRequestLevel),
                DiffusionThroughputResult.Method),
            Notes = notes,
        };
    }

    private static LoadRun ToLoadRun(string name, KvLoadResult r) => new(name, r.Options.BlockSize, r.Options.PrefixCaching, r.TotalBlocks,
        r.Iterations, r.SteadyIterations, r.Waste, r.MeanSequences, r.PeakSequences, r.BlocksPerSequence, r.SharingSavingInRun,
        r.GeneratedTokens, r.Preemptions, r.Seconds, r.GeneratedTokensPerSecond, r.GeneratedTokensPerCpuSecond, r.FractionOutsideMath);

    public static SweepRow ToSweepRow(KvLoadResult r, double overhead) => new(r.Options.BlockSize, r.Waste, r.GeneratedTokensPerSecond,
        r.GeneratedTokensPerCpuSecond, overhead, r.MeanSequences, r.BlocksPerSequence);

    private static DiffusionRun ToRun(DiffusionLoadResult r) => new(r.Rate, r.Throughput, r.P50, r.P95, r.MeanLatency, r.MeanBatch, r.Iterations);
}
