namespace Diffusion.Cli.Soak;

/// <summary>
/// Stops what the soak started and removes what it made: the service, Redis, the tmpfs, the work
/// directory (kept with --keep-data, with the tmpfs's content copied beside it). Runs once, from the
/// soak's own finally or, when Ctrl+C ends the process before that finishes, from process exit.
/// </summary>
public sealed class SoakCleanup : IDisposable
{
    private readonly object gate = new();
    private readonly string workDirectory;
    private readonly bool keepData;
    private readonly TextWriter error;
    private bool done;

    public SoakCleanup(string workDirectory, bool keepData, TextWriter error)
    {
        this.workDirectory = workDirectory;
        this.keepData = keepData;
        this.error = error;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public ServiceProcess? Service { get; set; }
    public RedisProcess? Redis { get; set; }
    public ScratchDisk? Disk { get; set; }

    public void Dispose()
    {
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Run();
    }

    private void OnProcessExit(object? sender, EventArgs e) => Run();

    // Holds the lock throughout: a second caller (process exit while the soak's finally is still
    // unmounting) waits for the first to finish instead of letting the process end under it.
    private void Run()
    {
        lock (gate)
        {
            if (done) return;
            done = true;
            CleanUp();
        }
    }

    private void CleanUp()
    {
        Service?.Dispose();
        Redis?.Dispose();
        if (Disk is { } disk)
        {
            if (keepData && disk.Mounted) CopyDirectory(disk.Directory, Path.Combine(workDirectory, "data-at-end"));
            if (disk.Unmount() is { } problem) error.WriteLine($"soak: {problem}");
        }
        if (keepData)
        {
            error.WriteLine($"soak: kept {workDirectory} (service log, redis log, data)");
            return;
        }
        try
        {
            Directory.Delete(workDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"soak: could not remove {workDirectory}: {e.Message}");
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            try { File.Copy(file, target, overwrite: true); }
            catch (IOException) { /* a file that vanished or a full target: the copy is a courtesy */ }
        }
    }
}
