namespace Diffusion.Server.Images;

/// <summary>
/// Writes whole files so a crash leaves either the old content or the new, never a torn file:
/// write a temporary file beside the target, flush it to disk, then rename over the target.
/// </summary>
public static class AtomicFile
{
    public const string TempSuffix = ".tmp";

    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var temp = $"{path}.{Guid.NewGuid():N}{TempSuffix}";
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                             bufferSize: 0, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken);
                stream.Flush(flushToDisk: true);
            }
            // Rename is atomic on one file system. (.NET cannot fsync the directory itself, so after a
            // power cut the rename may be lost, but never half done.)
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
