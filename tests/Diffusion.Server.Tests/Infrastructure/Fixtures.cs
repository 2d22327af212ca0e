namespace Diffusion.Server.Tests.Infrastructure;

/// <summary>Paths of the repository's committed test fixtures, found from the test binaries upward.</summary>
internal static class Fixtures
{
    /// <summary>The random-weight export with Stable Diffusion 1.5's names, dtypes and conventions.</summary>
    public static string ConformanceModel => Path.Combine(RepoRoot(), "tests", "fixtures", "sd15-conformance", "model");

    /// <summary>The shipped model family (models/ at the repository root).</summary>
    public static string ShippedModel => Path.Combine(RepoRoot(), "models");

    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diffusion.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
