namespace Diffusion.Browser.Tests.Infrastructure;

/// <summary>
/// The served app on a closed-world model: the conformance model's files with the shipped family's
/// vocabulary (models/world.json) beside them, so the gallery offers its vocabulary features.
/// </summary>
public sealed class ClosedWorldFixture : ServerAndBrowserFixture
{
    private readonly string modelFolder = Directory.CreateTempSubdirectory("diffusion-closed-world-").FullName;

    protected override string PrepareModelFolder()
    {
        Copy(new DirectoryInfo(RepoPaths.ConformanceModel), modelFolder);
        File.Copy(Path.Combine(RepoPaths.Root, "models", "world.json"), Path.Combine(modelFolder, "world.json"));
        return modelFolder;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(modelFolder, recursive: true);
    }

    private static void Copy(DirectoryInfo from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in from.GetFiles()) file.CopyTo(Path.Combine(to, file.Name));
        foreach (var dir in from.GetDirectories()) Copy(dir, Path.Combine(to, dir.Name));
    }
}
