namespace Diffusion.Inference.Tests;

/// <summary>Locates the repository's fixture and model folders from the test binary.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Fixture => Path.Combine(RepoRoot, "tests", "fixtures", "sd15-conformance");

    public static string FixtureModel => Path.Combine(Fixture, "model");

    /// <summary>Our own model family; it may not exist yet in a fresh checkout.</summary>
    public static string OwnModels => Path.Combine(RepoRoot, "models");

    public static string FixtureFile(string name) => Path.Combine(Fixture, name);

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
