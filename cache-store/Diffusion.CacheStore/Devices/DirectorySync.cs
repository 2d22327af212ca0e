using System.Runtime.InteropServices;

namespace Diffusion.CacheStore;

/// <summary>
/// Flushes a directory's entries to disk so a rename survives power loss. .NET cannot open a
/// directory handle, so this calls open/fsync from libc on Linux and macOS and does nothing elsewhere.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;

    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }
        int fd = Open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"Cannot open directory '{directory}' to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"Cannot flush directory '{directory}' (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
