namespace Diffusion.Cli.Engine;

/// <summary>The readable side-by-side table of <c>bench engine</c>.</summary>
public static class EngineBenchTable
{
    public static void Write(EngineBenchReport r, TextWriter o)
    {
        o.WriteLine($"bench engine ({(r.Quick ? "quick" : "full")}, {r.Models}, {r.Seconds:F0} s) on {r.Device}; block size {r.BlockSize}");
        o.WriteLine($"LLM workload: {r.Workload.Requests} expansions, prompt {r.Workload.MeanPromptTokens:F1} tokens "
            + $"(instruction {r.Workload.InstructionTokens}), output {r.Workload.MeanOutputTokens:F1}; budget {r.Workload.BudgetBytes >> 10} KiB "
            + $"= {r.Workload.BudgetContiguousSequences} x {r.Workload.MaxPositions}-token reservations");
        o.WriteLine();
        o.WriteLine($"{"metric",-28} {"value",10} {"baseline",10}  {"target",-8} {"met",-4} baseline");
        Row(o, "kv_waste", r.KvWaste, "F3");
        Row(o, "max_concurrent_ratio", r.MaxConcurrentRatio, "F2");
        Row(o, "prefix_sharing_saving", r.PrefixSharingSaving, "F3");
        Row(o, "diffusion_throughput_ratio", r.DiffusionThroughputRatio, "F2");
        o.WriteLine($"{"",-28} (measured on {r.Device})");
        Row(o, "paged_attention_overhead", r.PagedAttentionOverhead, "F3");
        LlmSpeed s = r.LlmTokensPerSecond;
        o.WriteLine($"{"llm_tokens_per_s batch 1",-28} {s.Batch1,10:F0} {"",10}  {s.Batch1PerCpuSecond:F0} per CPU-s, outside math {s.OutsideMathBatch1:P1}");
        o.WriteLine($"{"llm_tokens_per_s batch 16",-28} {s.Batch16,10:F0} {"",10}  {s.Batch16PerCpuSecond:F0} per CPU-s, outside math {s.OutsideMathBatch16:P1}");
        o.WriteLine();
        o.WriteLine("block-size sweep (paged, prefix sharing on):");
        o.WriteLine($"  {"block",5} {"kv_waste",9} {"tokens/s",9} {"tok/cpu-s",10} {"attn ovh",9} {"seqs held",10} {"blocks/seq",11}");
        foreach (SweepRow row in r.BlockSizeSweep)
        {
            o.WriteLine($"  {row.BlockSize,5} {row.Waste,9:F3} {row.TokensPerSecond,9:F0} {row.TokensPerCpuSecond,10:F0} {row.AttentionOverhead,9:F3} "
                + $"{row.MeanSequences,10:F1} {row.BlocksPerSequence,11:F2}");
        }

        o.WriteLine($"  chosen: {r.ChosenBlockSize} — {r.ChosenBlockSizeReason}");
        o.WriteLine();
        DiffusionDetail d = r.Diffusion;
        o.WriteLine($"diffusion: jobs of {d.RemainingSteps[0]}-{d.RemainingSteps[1]} remaining steps, batch <= {d.MaxBatch}, guidance {d.GuidanceScale}; "
            + $"SLO p95 <= {d.SloSeconds:F2} s ({d.SloFactor} x lone job {d.LoneJobSeconds:F2} s)");
        o.WriteLine($"  {"mode",-16} {"rate/s",8} {"jobs/s",8} {"p50 s",7} {"p95 s",7} {"batch",6}   (real UNet calls, {d.RealJobs} jobs)");
        DiffusionLine(o, "iteration-level", d.RealIterationLevel);
        DiffusionLine(o, "request-level", d.RealRequestLevel);
        DiffusionLine(o, "  (model) iter.", d.ModelledIterationLevel);
        DiffusionLine(o, "  (model) req.", d.ModelledRequestLevel);
        o.WriteLine($"  SLO curve (simulated, {d.SimulatedJobs} jobs): " + string.Join("; ",
            d.Curve.Select(p => $"{p.SloFactor}x: {p.IterationLevel:F3}/{p.RequestLevel:F3} jobs/s = {p.Ratio:F2}")));
        o.WriteLine($"  method: {d.Method}");
        foreach (string note in r.Notes)
        {
            o.WriteLine($"note: {note}");
        }
    }

    private static void Row(TextWriter o, string name, Metric m, string format) =>
        o.WriteLine($"{name,-28} {m.Value.ToString(format),10} {(m.Baseline?.ToString(format) ?? "-"),10}  {m.Target,-8} {(m.Met ? "yes" : "NO"),-4} {m.BaselineName}");

    private static void DiffusionLine(TextWriter o, string name, DiffusionRun run) =>
        o.WriteLine($"  {name,-16} {run.Rate,8:F3} {run.Throughput,8:F3} {run.P50,7:F2} {run.P95,7:F2} {run.MeanBatch,6:F1}");
}
