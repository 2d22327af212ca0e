using System.Text;
using Diffusion.CacheStore;

namespace Diffusion.Cli.Commands;

/// <summary>
/// How commands write their outputs: through <see cref="AtomicFile"/> (temporary file, flushed, renamed, removed on
/// failure, folder created), so an interrupted run never leaves half a file.
/// </summary>
internal static class OutputFile
{
    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/> and returns the full path.</summary>
    public static Task<string> WriteTextAsync(string path, string text, CancellationToken cancellationToken) =>
        WriteBytesAsync(path, Encoding.UTF8.GetBytes(text), cancellationToken);

    /// <summary>Writes <paramref name="bytes"/> (a PNG, say) the same way and returns the full path.</summary>
    public static async Task<string> WriteBytesAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        await AtomicFile.WriteAllBytesAsync(full, bytes, cancellationToken);
        return full;
    }
}
