namespace Diffusion.Cli.Cache;

/// <summary>The repository root (the folder with Diffusion.sln) above the working directory or the CLI's own folder, for docs writers.</summary>
public static class RepositoryRoot
{
    public const string Marker = "Diffusion.sln";

    /// <summary>The root, or null when neither the working directory nor the CLI lies inside a checkout.</summary>
    public static string? Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, Marker)))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }
}
