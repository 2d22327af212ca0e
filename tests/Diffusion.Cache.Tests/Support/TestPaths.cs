namespace Diffusion.Cache.Tests;

/// <summary>Repository folders the tests use.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>The tiny SD-1.5-shaped export in the repository (no image encoder; pooled text output).</summary>
    public static string FixtureModel => Path.Combine(RepoRoot, "tests", "fixtures", "sd15-conformance", "model");

    /// <summary>
    /// Our model family: the folder named by DIFFUSION_TEST_MODELS when set (e.g. a plumbing export with the same
    /// layout), else <c>models/</c> when it holds an export, else null.
    /// </summary>
    public static string? OwnModels
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("DIFFUSION_TEST_MODELS");
            if (!string.IsNullOrWhiteSpace(configured))
            {
                return File.Exists(Path.Combine(configured, "model_index.json")) ? configured : null;
            }
            var repo = Path.Combine(RepoRoot, "models");
            return File.Exists(Path.Combine(repo, "model_index.json")) ? repo : null;
        }
    }

    public static string World => Path.Combine(RepoRoot, "models", "world.json");

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diffusion.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Diffusion.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A test that needs our model family (with image encoder and judge); skipped with the reason when absent.</summary>
public sealed class OwnModelsFactAttribute : FactAttribute
{
    public OwnModelsFactAttribute()
    {
        if (TestPaths.OwnModels is null)
        {
            Skip = "models/ holds no export yet and DIFFUSION_TEST_MODELS is not set.";
        }
    }
}

/// <summary>A test that needs the real Redis named by DIFFUSION_TEST_REDIS (./test.sh starts one); skipped with the reason otherwise.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public const string Variable = "DIFFUSION_TEST_REDIS";

    public RedisFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(Variable)))
        {
            Skip = $"{Variable} is not set (./test.sh sets it and starts redis-server on loopback).";
        }
    }
}
