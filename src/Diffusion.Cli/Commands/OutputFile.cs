namespace Diffusion.Cli.Commands;

/// <summary>How commands write their reports: beside the target, then renamed, so an interrupted run never leaves half a file.</summary>
internal static class OutputFile
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> (creating its folder) and returns the full path.</summary>
    public static async Task<string> WriteTextAsync(string path, string text, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        await File.WriteAllTextAsync(temp, text, cancellationToken);
        File.Move(temp, full, overwrite: true);
        return full;
    }
}
