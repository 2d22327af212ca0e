namespace Diffusion.Cli.Commands;

/// <summary>How commands write their outputs: beside the target, then renamed, so an interrupted run never leaves half a file.</summary>
internal static class OutputFile
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> (creating its folder) and returns the full path.</summary>
    public static async Task<string> WriteTextAsync(string path, string text, CancellationToken cancellationToken)
    {
        var (full, temp) = Prepare(path);
        await File.WriteAllTextAsync(temp, text, cancellationToken);
        return Replace(temp, full);
    }

    /// <summary>The synchronous <see cref="WriteTextAsync"/>, for commands that run synchronously.</summary>
    public static string WriteText(string path, string text)
    {
        var (full, temp) = Prepare(path);
        File.WriteAllText(temp, text);
        return Replace(temp, full);
    }

    /// <summary>Writes <paramref name="bytes"/> (a PNG, say) the same way and returns the full path.</summary>
    public static string WriteBytes(string path, byte[] bytes)
    {
        var (full, temp) = Prepare(path);
        File.WriteAllBytes(temp, bytes);
        return Replace(temp, full);
    }

    private static (string Full, string Temp) Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return (full, full + ".tmp");
    }

    private static string Replace(string temp, string full)
    {
        File.Move(temp, full, overwrite: true);
        return full;
    }
}
