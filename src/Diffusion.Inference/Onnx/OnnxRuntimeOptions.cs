namespace Diffusion.Inference.Onnx;

public enum ExecutionProviderKind
{
    Cpu,
    Cuda,
}

/// <summary>How every model session is created. Validated once at start-up.</summary>
public sealed record OnnxRuntimeOptions
{
    public ExecutionProviderKind ExecutionProvider { get; init; } = ExecutionProviderKind.Cpu;

    /// <summary>Threads inside one operator; 0 lets ONNX Runtime pick (one per core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Whether the session's idle worker threads spin waiting for work. Right for the model that runs back to
    /// back (the UNet); wrong for the occasional ones (text and image encoders, VAE, judge): their spinning
    /// workers take a core from the UNet's threads between their runs (measured on 2 cores: the cache-on
    /// replay ran its UNet at about one core's speed until only the UNet spun).
    /// </summary>
    public bool AllowSpinning { get; init; } = true;

    /// <summary>CUDA device index when <see cref="ExecutionProvider"/> is Cuda.</summary>
    public int DeviceId { get; init; }

    public void Validate()
    {
        if (IntraOpThreads < 0 || IntraOpThreads > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), IntraOpThreads, "threads must be between 0 (automatic) and 1024.");
        }
        if (DeviceId < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(DeviceId), DeviceId, "device id must not be negative.");
        }
        if (!Enum.IsDefined(ExecutionProvider))
        {
            throw new ArgumentOutOfRangeException(nameof(ExecutionProvider), ExecutionProvider, "unknown execution provider.");
        }
    }
}
