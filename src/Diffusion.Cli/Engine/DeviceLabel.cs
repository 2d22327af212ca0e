using Diffusion.Inference.Onnx;

namespace Diffusion.Cli.Engine;

/// <summary>
/// What a benchmark ran on, for its report: throughput figures mean little without it (a batch of 8 UNet jobs costs
/// about 8 single jobs on a CPU and little more than one on a GPU).
/// </summary>
public static class DeviceLabel
{
    public static string For(ExecutionProviderKind provider) => provider == ExecutionProviderKind.Cuda
        ? "cuda (ONNX Runtime CUDA execution provider, device 0)"
        : $"cpu, {CpuModel() ?? "unknown model"}, {Environment.ProcessorCount} cores";

    /// <summary>The processor's model name from /proc/cpuinfo (Linux), or null.</summary>
    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo")
                .Where(line => line.StartsWith("model name", StringComparison.Ordinal))
                .Select(line => line[(line.IndexOf(':') + 1)..].Trim())
                .FirstOrDefault(name => name.Length > 0);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
