namespace Diffusion.Cli.Soak;

/// <summary>
/// Carries out the fault schedule during the fault phase: each fault at its time in its own task
/// (a Redis outage does not wait for a restart), logged as it happens.
/// </summary>
public sealed class FaultInjector(
    ServiceSupervisor supervisor,
    RedisProcess? redis,
    ScratchDisk disk,
    IReadOnlyDictionary<SoakStore, ILatentCorruptor> corruptors,
    FaultLog faults,
    SoakProgress progress,
    SoakClock clock,
    int seed,
    Action beforeStoreSwitch)
{
    private readonly Random random = new(seed);
    private readonly object randomGate = new();

    /// <summary>Runs the schedule from <paramref name="phaseStart"/> (soak seconds); returns when every fault has ended.</summary>
    public async Task RunAsync(IReadOnlyList<PlannedFault> schedule, double phaseStart, CancellationToken cancellationToken)
    {
        var tasks = schedule.Select(fault => RunOneAsync(fault, phaseStart, cancellationToken)).ToArray();
        await Task.WhenAll(tasks);
    }

    private async Task RunOneAsync(PlannedFault fault, double phaseStart, CancellationToken cancellationToken)
    {
        var wait = phaseStart + fault.At - clock.Seconds;
        if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait), clock.Time, cancellationToken);
        switch (fault.Kind)
        {
            case PlannedFaultKind.Kill:
                await supervisor.KillAndRestartAsync("scheduled crash", null, cancellationToken);
                break;
            case PlannedFaultKind.SwitchStore:
                beforeStoreSwitch();
                await supervisor.KillAndRestartAsync("scheduled crash; restarts on the Redis store", SoakStore.Redis, cancellationToken);
                break;
            case PlannedFaultKind.RedisOutage:
                await RedisOutageAsync(fault.Duration, cancellationToken);
                break;
            case PlannedFaultKind.DiskFiller:
                await DiskFillerAsync(fault.Duration, cancellationToken);
                break;
            case PlannedFaultKind.CorruptLatent:
            case PlannedFaultKind.TruncateLatent:
                await CorruptAsync(fault.Kind == PlannedFaultKind.TruncateLatent, cancellationToken);
                break;
        }
    }

    private async Task RedisOutageAsync(double seconds, CancellationToken cancellationToken)
    {
        if (redis is null) return;
        redis.Kill();
        var detail = $"redis-server on {redis.Address} killed (-9) for {seconds:0} s; it comes back empty (no persistence)";
        var window = faults.Record(clock.Seconds, FaultKinds.RedisOutage, detail, lasting: true)!;
        progress.Fault(FaultKinds.RedisOutage, detail);
        await Task.Delay(TimeSpan.FromSeconds(seconds), clock.Time, cancellationToken);
        await redis.StartAsync(cancellationToken);
        faults.Close(window, clock.Seconds);
        progress.Line($"redis-server back on {redis.Address}");
    }

    private async Task DiskFillerAsync(double seconds, CancellationToken cancellationToken)
    {
        if (!disk.Mounted) return;
        var bytes = disk.PlantFiller();
        var detail = $"filler file of {bytes / 1024} KiB takes the tmpfs's free space for {seconds:0} s";
        var window = faults.Record(clock.Seconds, FaultKinds.DiskFiller, detail, lasting: true)!;
        progress.Fault(FaultKinds.DiskFiller, detail);
        await Task.Delay(TimeSpan.FromSeconds(seconds), clock.Time, cancellationToken);
        var freed = disk.RemoveFiller();
        faults.Close(window, clock.Seconds, grace: 0);
        faults.Note(clock.Seconds, "disk_filler_removed", $"{freed / 1024} KiB freed");
        progress.Line($"filler removed ({freed / 1024} KiB freed, {disk.FreeBytes / 1024} KiB free)");
    }

    private async Task CorruptAsync(bool truncate, CancellationToken cancellationToken)
    {
        if (!corruptors.TryGetValue(supervisor.Store, out var corruptor)) return;
        Random pick;
        lock (randomGate) pick = new Random(random.Next());
        var corruption = await corruptor.CorruptAsync(truncate, pick, clock, cancellationToken);
        var kind = truncate ? FaultKinds.TruncateLatent : FaultKinds.CorruptLatent;
        if (corruption is null)
        {
            progress.Line($"{kind}: no stored latent to damage in the {corruptor.Store} store right now; skipped");
            return;
        }
        faults.AddCorrupted(corruption.Latent, corruption.Detail);
        progress.Fault(kind, corruption.Detail);
    }
}
