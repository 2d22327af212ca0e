using System.Collections.Concurrent;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Inference.Tests.Pipeline;

/// <summary>Model folders loaded once per test run (ONNX sessions are costly to create).</summary>
internal static class LoadedModels
{
    private static readonly ConcurrentDictionary<string, Lazy<DiffusionPipeline>> Pipelines = new();

    public static DiffusionPipeline Pipeline(string root) =>
        Pipelines.GetOrAdd(root, r => new Lazy<DiffusionPipeline>(() =>
            new DiffusionPipeline(DiffusionModels.Load(r, new OnnxRuntimeOptions { IntraOpThreads = 1 })))).Value;
}
