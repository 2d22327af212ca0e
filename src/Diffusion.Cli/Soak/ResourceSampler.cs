namespace Diffusion.Cli.Soak;

/// <summary>
/// Once a second: the service process's memory, threads and open files (/proc), the store's bytes
/// against its budget, and whether the scratch disk is full (a full disk the filler did not cause is
/// logged as a fault of its own: the service's writes filled it).
/// </summary>
public sealed class ResourceSampler(ServiceProcess service, StoreBytes store, DiskBudget budget, ScratchDisk disk, FaultLog faults,
    SoakProgress progress, SoakClock clock)
{
    /// <summary>Seconds between samples; the disk may have filled up to this long before a sample saw it.</summary>
    public const double PeriodSeconds = 1;

    private readonly object gate = new();
    private readonly Dictionary<int, ProcessSample> lastByPid = [];
    private long peakRss;
    private FaultWindow? naturalFull;

    public long PeakRssBytes => Interlocked.Read(ref peakRss);

    public long MaxDiskUsedBytes { get; private set; }

    public double? FirstFullAt { get; private set; }

    public double FullSeconds { get; private set; }

    public int Lifetimes { get { lock (gate) return lastByPid.Count; } }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var previous = clock.Seconds;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(PeriodSeconds), clock.Time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            var now = clock.Seconds;
            SampleNow();
            if (service.RunningStore is { } running && store.Measure(running) is { } bytes) budget.Observe(bytes);
            if (disk.Mounted) WatchDisk(now, now - previous);
            previous = now;
        }
    }

    /// <summary>Samples the running service now (also called at chosen moments: after warm-up, at the end).</summary>
    public ProcessSample? SampleNow()
    {
        if (service.Pid is not { } pid || ProcStatus.Sample(pid, clock.Seconds) is not { } sample) return null;
        lock (gate) lastByPid[pid] = sample;
        var peak = Math.Max(sample.PeakRssBytes ?? 0, sample.RssBytes ?? 0);
        long seen;
        while (peak > (seen = Interlocked.Read(ref peakRss)) && Interlocked.CompareExchange(ref peakRss, peak, seen) != seen)
        {
            // raced with another sample; compare again
        }
        return sample;
    }

    private void WatchDisk(double now, double elapsed)
    {
        MaxDiskUsedBytes = Math.Max(MaxDiskUsedBytes, disk.UsedBytes);
        var full = disk.IsFull;
        if (full)
        {
            FirstFullAt ??= now;
            FullSeconds += elapsed;
        }
        lock (gate) WatchNaturalFull(now, full);
    }

    private void WatchNaturalFull(double now, bool full)
    {
        if (full && naturalFull is null && !disk.FillerPlanted)
        {
            naturalFull = faults.Record(now, FaultKinds.DiskFullNatural,
                $"the service's writes filled the {disk.SizeBytes / 1024} KiB tmpfs ({disk.FreeBytes} bytes free)", lasting: true);
            progress.Fault(FaultKinds.DiskFullNatural, $"the service's writes filled the {disk.SizeBytes / 1024} KiB tmpfs");
        }
        else if (!full && naturalFull is not null)
        {
            faults.Close(naturalFull, now, grace: 0);
            faults.Note(now, "disk_free_again", $"{disk.FreeBytes} bytes free");
            naturalFull = null;
        }
    }

    /// <summary>Closes a full-disk window still open (the tmpfs is grown back before the overload phase).</summary>
    public void EndDiskFull(double now)
    {
        lock (gate)
        {
            if (naturalFull is null) return;
            faults.Close(naturalFull, now, grace: 0);
            naturalFull = null;
        }
    }
}
