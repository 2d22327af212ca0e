namespace Diffusion.Browser.Tests.Infrastructure;

public static class RepoPaths
{
    /// <summary>The SD 1.5-shaped conformance export: tiny, real ONNX Runtime, 64×64 images.</summary>
    public static string ConformanceModel => Path.Combine(Root, "tests", "fixtures", "sd15-conformance", "model");

    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diffusion.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("repository root (Diffusion.sln) not found above " + AppContext.BaseDirectory);
    }
}
