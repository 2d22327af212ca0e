using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Tests;

/// <summary>The SD-1.5-shaped fixture model, loaded once for the tests that share it.</summary>
public sealed class FixtureModel : IDisposable
{
    public FixtureModel()
    {
        Models = DiffusionModels.Load(TestPaths.FixtureModel, new OnnxRuntimeOptions { IntraOpThreads = 1 });
        Pipeline = new DiffusionPipeline(Models);
    }

    public DiffusionModels Models { get; }

    public DiffusionPipeline Pipeline { get; }

    public void Dispose() => Models.Dispose();
}

/// <summary>Our model family (models/ or DIFFUSION_TEST_MODELS), loaded once; null members when absent (tests skip).</summary>
public sealed class OwnModel : IDisposable
{
    public OwnModel()
    {
        if (TestPaths.OwnModels is { } root)
        {
            Root = root;
            Models = DiffusionModels.Load(root, new OnnxRuntimeOptions { IntraOpThreads = 1 });
            Pipeline = new DiffusionPipeline(Models);
        }
    }

    public string? Root { get; }

    public DiffusionModels? Models { get; }

    public DiffusionPipeline? Pipeline { get; }

    public void Dispose() => Models?.Dispose();
}
