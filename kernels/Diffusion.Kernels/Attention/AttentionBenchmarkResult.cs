namespace Diffusion.Kernels.Attention;

/// <summary>Per-call times of the paged and contiguous kernels on the same data (fastest round of each), the median
/// over rounds of paged time / contiguous time (1.0: paging costs nothing), and how far the two outputs differ.</summary>
public sealed record AttentionBenchmarkResult(
    AttentionBenchmarkOptions Options,
    double PagedMicrosecondsPerCall,
    double ContiguousMicrosecondsPerCall,
    double PagedToContiguousRatio,
    float MaxAbsDifference);
