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
