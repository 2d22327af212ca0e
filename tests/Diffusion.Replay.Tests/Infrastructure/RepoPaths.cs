namespace Diffusion.Replay.Tests.Infrastructure;

public static class RepoPaths
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Diffusion.sln"))) return dir.FullName;
            }
            throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>The SD 1.5-shaped conformance export: real ONNX models, tiny enough for tests.</summary>
    public static string ConformanceModel => Path.Combine(Root, "tests", "fixtures", "sd15-conformance", "model");
}
