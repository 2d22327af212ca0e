namespace Diffusion.CacheStore;

/// <summary>
/// Writes whole files so a crash leaves either the old content or the new, never a torn file: write a
/// temporary file beside the target (unique name, <see cref="TempSuffix"/>), flush it to disk, rename it
/// over the target, flush the folder so the rename survives a power cut. On failure or cancellation the
/// temporary file is removed and the target is untouched. The target's folder is created if missing.
/// </summary>
public static class AtomicFile
{
    /// <summary>The temporary files' suffix, so a folder's owner can sweep leftovers of a crash at start-up.</summary>
    public const string TempSuffix = ".tmp";

    public static Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        WriteAsync(path, (stream, ct) => stream.WriteAsync(content, ct).AsTask(), cancellationToken);

    /// <summary>Streams the content through <paramref name="write"/>, which must not close the stream.</summary>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var temp = TempPathFor(full);
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                             bufferSize: 1 << 16, FileOptions.Asynchronous))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }
            Commit(temp, full);
        }
        finally
        {
            DeleteIfLeft(temp);
        }
    }

    /// <summary>The synchronous <see cref="WriteAsync"/>, for small files written from synchronous code.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var temp = TempPathFor(full);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            Commit(temp, full);
        }
        finally
        {
            DeleteIfLeft(temp);
        }
    }

    private static string TempPathFor(string full)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return $"{full}.{Guid.NewGuid():N}{TempSuffix}";
    }

    private static void Commit(string temp, string full)
    {
        File.Move(temp, full, overwrite: true);   // atomic within one file system
        DirectorySync.Flush(Path.GetDirectoryName(full)!);
    }

    private static void DeleteIfLeft(string temp)
    {
        if (File.Exists(temp))
        {
            File.Delete(temp);
        }
    }
}
