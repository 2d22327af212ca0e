namespace Diffusion.Cli.Soak;

/// <summary>
/// The service's data directory on a small tmpfs the soak mounts, so the disk can really fill up:
/// resized after the warm-up so that the service's own writes overflow it during the fault phase, and
/// grown back before the overload phase. Without the right to mount (not root) it stays a plain
/// directory and <see cref="NotInjectedReason"/> says why the full disk was not injected.
/// </summary>
public sealed class ScratchDisk(string directory)
{
    /// <summary>Below this many free bytes the disk counts as full (a page or two of slack).</summary>
    public const long FullBelowBytes = 64 * 1024;

    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(30);
    private readonly object gate = new();
    private string? fillerPath;

    public string Directory { get; } = directory;
    public bool Mounted { get; private set; }
    public string? NotInjectedReason { get; private set; }
    public long SizeBytes { get; private set; }

    public bool TryMount(long bytes)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var (code, output) = ShortCommand.Run("mount", ["-t", "tmpfs", "-o", $"size={Kilobytes(bytes)}k,mode=0755", "tmpfs", Directory], CommandTimeout);
        if (code != 0)
        {
            NotInjectedReason = $"cannot mount a tmpfs at {Directory} (mount exited {code}: {output}); the data directory is a plain directory";
            return false;
        }
        Mounted = true;
        SizeBytes = Kilobytes(bytes) * 1024;
        return true;
    }

    /// <summary>Changes the tmpfs size; it cannot shrink below what is stored, so the new size is at least that plus a page.</summary>
    public bool TryResize(long bytes, out string problem)
    {
        problem = "";
        if (!Mounted)
        {
            problem = "not mounted";
            return false;
        }
        var target = Math.Max(bytes, UsedBytes + 4096);
        var (code, output) = ShortCommand.Run("mount", ["-o", $"remount,size={Kilobytes(target)}k", Directory], CommandTimeout);
        if (code != 0)
        {
            problem = $"remount exited {code}: {output}";
            return false;
        }
        SizeBytes = Kilobytes(target) * 1024;
        return true;
    }

    public long FreeBytes => Mounted ? new DriveInfo(Directory).AvailableFreeSpace : long.MaxValue;

    public long UsedBytes => Mounted ? new DriveInfo(Directory).TotalSize - new DriveInfo(Directory).AvailableFreeSpace : 0;

    public bool IsFull => Mounted && FreeBytes < FullBelowBytes;

    /// <summary>True while the soak's own filler file is on the disk.</summary>
    public bool FillerPlanted { get; private set; }

    /// <summary>Writes a file of zeros until the disk is full; returns its size (0 when it was full already).</summary>
    public long PlantFiller()
    {
        lock (gate)
        {
            fillerPath ??= Path.Combine(Directory, ".soak-filler");
            FillerPlanted = true;
            long written = 0;
            var block = new byte[64 * 1024];
            try
            {
                using var stream = new FileStream(fillerPath, FileMode.Append, FileAccess.Write, FileShare.None, 1, FileOptions.None);
                while (true)
                {
                    var room = FreeBytes;
                    if (room <= 0) break;
                    var size = (int)Math.Min(block.Length, room);
                    stream.Write(block, 0, size);
                    stream.Flush();
                    written += size;
                }
            }
            catch (IOException)
            {
                // ENOSPC: the disk is full, which is the point
            }
            return written;
        }
    }

    /// <summary>Deletes the filler; returns the bytes it held.</summary>
    public long RemoveFiller()
    {
        lock (gate)
        {
            FillerPlanted = false;
            if (fillerPath is null || !File.Exists(fillerPath)) return 0;
            var bytes = new FileInfo(fillerPath).Length;
            File.Delete(fillerPath);
            return bytes;
        }
    }

    /// <summary>Unmounts (lazily when still busy). Idempotent; returns a problem to report, or null.</summary>
    public string? Unmount()
    {
        if (!Mounted) return null;
        var (code, output) = ShortCommand.Run("umount", [Directory], CommandTimeout);
        if (code != 0)
        {
            // A process the soak could not stop still has a file open: detach now, freed when it lets go.
            var (lazyCode, lazyOutput) = ShortCommand.Run("umount", ["-l", Directory], CommandTimeout);
            if (lazyCode != 0) return $"cannot unmount {Directory}: {output}; {lazyOutput}";
        }
        Mounted = false;
        return null;
    }

    /// <summary>What the files under <paramref name="directory"/> take on a tmpfs: each rounded up to whole 4 KiB pages.</summary>
    public static long PagedBytes(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) return 0;
        return new DirectoryInfo(directory).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true })
            .Sum(file => (file.Length + 4095) / 4096 * 4096);
    }

    private static long Kilobytes(long bytes) => Math.Max(1, (bytes + 1023) / 1024);
}
