using System.Text.Json.Serialization;

namespace Diffusion.Cli.Bench;

/// <summary>What <c>bench pipeline</c> measured; serialised as the --json file.</summary>
public sealed record PipelineBenchReport
{
    [JsonPropertyName("models")] public required string Models { get; init; }
    [JsonPropertyName("quick")] public bool Quick { get; init; }
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("processor_count")] public int ProcessorCount { get; init; }
    [JsonPropertyName("unet_timestep_input")] public required string TimestepInput { get; init; }
    [JsonPropertyName("latent_shape")] public required int[] LatentShape { get; init; }
    [JsonPropertyName("image_size")] public required int[] ImageSize { get; init; }
    [JsonPropertyName("unet_latency")] public required IReadOnlyList<UnetLatency> UnetLatency { get; init; }
    [JsonPropertyName("end_to_end")] public required EndToEnd EndToEnd { get; init; }
    [JsonPropertyName("outside_ort_fraction")] public double OutsideOrtFraction { get; init; }
    [JsonPropertyName("outside_ort")] public required OutsideOrt OutsideOrt { get; init; }
    [JsonPropertyName("flops_per_sample")] public double? FlopsPerSample { get; init; }
    [JsonPropertyName("unet_gflops")] public double? UnetGflops { get; init; }
    [JsonPropertyName("sgemm")] public required Sgemm Sgemm { get; init; }
    [JsonPropertyName("unet_fraction_of_peak")] public double? UnetFractionOfPeak { get; init; }
    [JsonPropertyName("notes")] public required IReadOnlyList<string> Notes { get; init; }
}

/// <summary>Raw UNet calls (no guidance) at one batch size, after warm-up; best and median of the repeats.</summary>
public sealed record UnetLatency(
    [property: JsonPropertyName("batch")] int Batch,
    [property: JsonPropertyName("repeats")] int Repeats,
    [property: JsonPropertyName("median_ms_per_call")] double MedianMsPerCall,
    [property: JsonPropertyName("best_ms_per_call")] double BestMsPerCall,
    [property: JsonPropertyName("median_ms_per_sample")] double MedianMsPerSample);

/// <summary>Whole requests (tokenizer to PNG) at the given steps, one image each, guidance on.</summary>
public sealed record EndToEnd(
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("guidance_scale")] float GuidanceScale,
    [property: JsonPropertyName("images")] int Images,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("images_per_second")] double ImagesPerSecond);

/// <summary>The denoising loop at UNet batch 16 (8 images with guidance): loop wall time vs time inside Run.</summary>
public sealed record OutsideOrt(
    [property: JsonPropertyName("unet_batch")] int UnetBatch,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("loop_seconds")] double LoopSeconds,
    [property: JsonPropertyName("ort_run_seconds")] double OrtRunSeconds);

/// <summary>ONNX Runtime MatMul throughput on an in-memory graph, one thread and all threads.</summary>
public sealed record Sgemm(
    [property: JsonPropertyName("m_k_n")] int Size,
    [property: JsonPropertyName("single_thread_gflops")] double SingleThreadGflops,
    [property: JsonPropertyName("all_threads_gflops")] double AllThreadsGflops);
