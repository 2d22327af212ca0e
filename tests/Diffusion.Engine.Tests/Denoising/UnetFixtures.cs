using System.Collections.Concurrent;
using Diffusion.Inference.Models;
using Diffusion.Inference.Onnx;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Engine.Tests.Denoising;

/// <summary>
/// Model folders the UNet runner is tested on, loaded once per run: the SD-1.5-shaped fixture (its UNet
/// takes one int64 timestep per call, so a mixed batch runs as one call per timestep), the same folder
/// with the fixture's per-sample f32 timestep UNet (one call per batch, as our models), and the repo's
/// own models/ when a checkout has them.
/// </summary>
internal static class UnetFixtures
{
    public const string SharedTimestep = "fixture-shared-timestep";
    public const string PerSampleTimestep = "fixture-per-sample-timestep";
    public const string OwnModels = "models";

    /// <summary>Names a further model folder to test on (e.g. an export not yet in the repo).</summary>
    public const string ExtraFolderVariable = "DIFFUSION_ENGINE_TEST_MODELS";

    private static readonly ConcurrentDictionary<string, Lazy<DiffusionPipeline>> Pipelines = new();

    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FixtureRoot => Path.Combine(RepoRoot, "tests", "fixtures", "sd15-conformance");

    /// <summary>The folders present in this checkout (the fixture ones always are).</summary>
    public static TheoryData<string> Available()
    {
        var data = new TheoryData<string> { SharedTimestep, PerSampleTimestep };
        if (ModelFolder.Exists(Path.Combine(RepoRoot, "models")))
        {
            data.Add(OwnModels);
        }

        if (Environment.GetEnvironmentVariable(ExtraFolderVariable) is { Length: > 0 } extra)
        {
            data.Add(extra);
        }

        return data;
    }

    public static DiffusionPipeline Pipeline(string name) =>
        Pipelines.GetOrAdd(name, n => new Lazy<DiffusionPipeline>(() =>
            new DiffusionPipeline(DiffusionModels.Load(Folder(n), new OnnxRuntimeOptions { IntraOpThreads = 1 })))).Value;

    private static string Folder(string name) => name switch
    {
        SharedTimestep => Path.Combine(FixtureRoot, "model"),
        PerSampleTimestep => PerSampleCopy(),
        OwnModels => Path.Combine(RepoRoot, "models"),
        _ when Directory.Exists(name) => name,
        _ => throw new ArgumentException($"unknown model folder {name}"),
    };

    /// <summary>The fixture folder with its UNet swapped for the per-sample-timestep variant, in the test output.</summary>
    private static string PerSampleCopy()
    {
        string source = Path.Combine(FixtureRoot, "model");
        string target = Path.Combine(AppContext.BaseDirectory, "fixtures", "sd15-per-sample-timestep");
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy, overwrite: true);
        }

        File.Copy(Path.Combine(FixtureRoot, "variants", "unet_per_sample_timestep.onnx"), Path.Combine(target, "unet", "model.onnx"), overwrite: true);
        return target;
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Diffusion.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Diffusion.sln not found above " + AppContext.BaseDirectory);
    }
}
