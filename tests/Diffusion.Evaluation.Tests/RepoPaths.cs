namespace Diffusion.Evaluation.Tests;

internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Models => Path.Combine(Root, "models");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Diffusion.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("could not find the repository root (Diffusion.sln) above " + AppContext.BaseDirectory);
    }
}
