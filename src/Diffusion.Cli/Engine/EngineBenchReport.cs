using System.Text.Json.Serialization;

namespace Diffusion.Cli.Engine;

/// <summary>What <c>bench engine</c> measured; serialised as the --json file. Each metric sits next to its baseline.</summary>
public sealed record EngineBenchReport
{
    [JsonPropertyName("models")] public required string Models { get; init; }
    [JsonPropertyName("quick")] public bool Quick { get; init; }
    [JsonPropertyName("processor_count")] public int ProcessorCount { get; init; }
    /// <summary>What the figures were measured on; <c>diffusion_throughput_ratio</c> in particular depends on it.</summary>
    [JsonPropertyName("device")] public required string Device { get; init; }
    [JsonPropertyName("seconds")] public double Seconds { get; init; }
    [JsonPropertyName("workload")] public required LlmWorkloadInfo Workload { get; init; }
    [JsonPropertyName("block_size")] public int BlockSize { get; init; }
    [JsonPropertyName("kv_waste")] public required Metric KvWaste { get; init; }
    [JsonPropertyName("max_concurrent_ratio")] public required Metric MaxConcurrentRatio { get; init; }
    [JsonPropertyName("prefix_sharing_saving")] public required Metric PrefixSharingSaving { get; init; }
    [JsonPropertyName("diffusion_throughput_ratio")] public required Metric DiffusionThroughputRatio { get; init; }
    [JsonPropertyName("llm_tokens_per_s")] public required LlmSpeed LlmTokensPerSecond { get; init; }
    [JsonPropertyName("paged_attention_overhead")] public required Metric PagedAttentionOverhead { get; init; }
    [JsonPropertyName("block_size_sweep")] public required IReadOnlyList<SweepRow> BlockSizeSweep { get; init; }
    [JsonPropertyName("chosen_block_size")] public int ChosenBlockSize { get; init; }
    [JsonPropertyName("chosen_block_size_reason")] public required string ChosenBlockSizeReason { get; init; }
    [JsonPropertyName("llm_load_runs")] public required IReadOnlyList<LoadRun> LoadRuns { get; init; }
    [JsonPropertyName("diffusion")] public required DiffusionDetail Diffusion { get; init; }
    [JsonPropertyName("notes")] public required IReadOnlyList<string> Notes { get; init; }
}

/// <summary>A headline number, its baseline's number, the target, whether it was met, and how it was measured.</summary>
public sealed record Metric(
    [property: JsonPropertyName("value")] double Value,
    [property: JsonPropertyName("baseline")] double? Baseline,
    [property: JsonPropertyName("baseline_name")] string BaselineName,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("met")] bool Met,
    [property: JsonPropertyName("method")] string Method);

public sealed record LlmWorkloadInfo(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("requests")] int Requests,
    [property: JsonPropertyName("mean_prompt_tokens")] double MeanPromptTokens,
    [property: JsonPropertyName("mean_output_tokens")] double MeanOutputTokens,
    [property: JsonPropertyName("instruction_tokens")] int InstructionTokens,
    [property: JsonPropertyName("max_position_embeddings")] int MaxPositions,
    [property: JsonPropertyName("budget_bytes")] long BudgetBytes,
    [property: JsonPropertyName("budget_contiguous_sequences")] int BudgetContiguousSequences);

public sealed record LlmSpeed(
    [property: JsonPropertyName("batch_1")] double Batch1,
    [property: JsonPropertyName("batch_16")] double Batch16,
    [property: JsonPropertyName("batch_1_per_cpu_s")] double Batch1PerCpuSecond,
    [property: JsonPropertyName("batch_16_per_cpu_s")] double Batch16PerCpuSecond,
    [property: JsonPropertyName("outside_math_fraction_batch_1")] double OutsideMathBatch1,
    [property: JsonPropertyName("outside_math_fraction_batch_16")] double OutsideMathBatch16,
    [property: JsonPropertyName("tokens_per_sequence")] int TokensPerSequence,
    [property: JsonPropertyName("mean_batch_tokens_16")] double MeanBatchTokens16,
    [property: JsonPropertyName("method")] string Method);

public sealed record SweepRow(
    [property: JsonPropertyName("block_size")] int BlockSize,
    [property: JsonPropertyName("kv_waste")] double Waste,
    [property: JsonPropertyName("tokens_per_s")] double TokensPerSecond,
    [property: JsonPropertyName("tokens_per_cpu_s")] double TokensPerCpuSecond,
    [property: JsonPropertyName("attention_overhead")] double AttentionOverhead,
    [property: JsonPropertyName("mean_sequences")] double MeanSequences,
    [property: JsonPropertyName("blocks_per_sequence")] double BlocksPerSequence);

public sealed record LoadRun(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("block_size")] int BlockSize,
    [property: JsonPropertyName("prefix_caching")] bool PrefixCaching,
    [property: JsonPropertyName("pool_blocks")] int PoolBlocks,
    [property: JsonPropertyName("iterations")] int Iterations,
    [property: JsonPropertyName("steady_iterations")] int SteadyIterations,
    [property: JsonPropertyName("kv_waste")] double Waste,
    [property: JsonPropertyName("mean_sequences")] double MeanSequences,
    [property: JsonPropertyName("peak_sequences")] int PeakSequences,
    [property: JsonPropertyName("blocks_per_sequence")] double BlocksPerSequence,
    [property: JsonPropertyName("sharing_saving_in_run")] double SharingSavingInRun,
    [property: JsonPropertyName("generated_tokens")] long GeneratedTokens,
    [property: JsonPropertyName("preemptions")] long Preemptions,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("tokens_per_s")] double TokensPerSecond,
    [property: JsonPropertyName("tokens_per_cpu_s")] double TokensPerCpuSecond,
    [property: JsonPropertyName("outside_math_fraction")] double OutsideMath);

public sealed record DiffusionDetail(
    [property: JsonPropertyName("max_batch")] int MaxBatch,
    [property: JsonPropertyName("total_steps")] int TotalSteps,
    [property: JsonPropertyName("remaining_steps")] int[] RemainingSteps,
    [property: JsonPropertyName("guidance_scale")] float GuidanceScale,
    [property: JsonPropertyName("iteration_seconds_by_jobs")] IReadOnlyList<double> IterationSecondsByJobs,
    [property: JsonPropertyName("lone_job_seconds")] double LoneJobSeconds,
    [property: JsonPropertyName("slo_factor")] double SloFactor,
    [property: JsonPropertyName("slo_p95_seconds")] double SloSeconds,
    [property: JsonPropertyName("simulated_jobs")] int SimulatedJobs,
    [property: JsonPropertyName("simulated_rate_iteration_level")] double SimulatedRateIterationLevel,
    [property: JsonPropertyName("simulated_rate_request_level")] double SimulatedRateRequestLevel,
    [property: JsonPropertyName("simulated_ratio")] double SimulatedRatio,
    [property: JsonPropertyName("slo_curve")] IReadOnlyList<SloPoint> Curve,
    [property: JsonPropertyName("real_jobs")] int RealJobs,
    [property: JsonPropertyName("real_iteration_level")] DiffusionRun RealIterationLevel,
    [property: JsonPropertyName("real_request_level")] DiffusionRun RealRequestLevel,
    [property: JsonPropertyName("modelled_iteration_level")] DiffusionRun ModelledIterationLevel,
    [property: JsonPropertyName("modelled_request_level")] DiffusionRun ModelledRequestLevel,
    [property: JsonPropertyName("method")] string Method);

public sealed record DiffusionRun(
    [property: JsonPropertyName("arrival_rate")] double Rate,
    [property: JsonPropertyName("throughput")] double Throughput,
    [property: JsonPropertyName("p50_seconds")] double P50,
    [property: JsonPropertyName("p95_seconds")] double P95,
    [property: JsonPropertyName("mean_latency_seconds")] double Mean,
    [property: JsonPropertyName("mean_batch")] double MeanBatch,
    [property: JsonPropertyName("iterations")] int Iterations);

/// <summary>Each mode's highest arrival rate within one SLO (simulated with calibrated costs) and their ratio.</summary>
public sealed record SloPoint(
    [property: JsonPropertyName("slo_factor")] double SloFactor,
    [property: JsonPropertyName("slo_p95_seconds")] double SloSeconds,
    [property: JsonPropertyName("rate_iteration_level")] double IterationLevel,
    [property: JsonPropertyName("rate_request_level")] double RequestLevel,
    [property: JsonPropertyName("ratio")] double Ratio);
