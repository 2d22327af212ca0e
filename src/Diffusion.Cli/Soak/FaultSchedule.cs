namespace Diffusion.Cli.Soak;

public enum PlannedFaultKind
{
    /// <summary>kill -9 of the service, then a restart.</summary>
    Kill,

    /// <summary>A kill whose restart runs the other store (files → Redis, in <see cref="SoakStore.Both"/>).</summary>
    SwitchStore,

    /// <summary>Redis killed, restarted after <see cref="PlannedFault.Duration"/>.</summary>
    RedisOutage,

    /// <summary>A filler file takes the disk's free space for <see cref="PlannedFault.Duration"/>.</summary>
    DiskFiller,

    /// <summary>One stored latent: bytes flipped.</summary>
    CorruptLatent,

    /// <summary>One stored latent: cut short.</summary>
    TruncateLatent,
}

/// <summary>A fault due <see cref="At"/> seconds into the fault phase.</summary>
public sealed record PlannedFault(double At, PlannedFaultKind Kind, double Duration = 0);

/// <summary>
/// When each fault is injected, decided before the phase starts (seeded, so a run can be repeated):
/// kills every ~kill-every seconds (±15 %), the store switch half-way for <see cref="SoakStore.Both"/>,
/// Redis outages while the Redis store runs (at least two, and two per 15 minutes), one disk filler
/// a third into the disk's part of the phase (before the switch for <see cref="SoakStore.Both"/>), and
/// a corrupted or truncated latent every 15 s.
/// </summary>
public static class FaultSchedule
{
    public const double CorruptEverySeconds = 15;

    public static IReadOnlyList<PlannedFault> Build(double phaseSeconds, double killEverySeconds, SoakStore store, bool diskFiller, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(phaseSeconds, 30);
        ArgumentOutOfRangeException.ThrowIfLessThan(killEverySeconds, 1);
        var random = new Random(seed);
        var faults = new List<PlannedFault>();
        // Files first, then Redis: the store each part of the phase runs.
        var switchAt = store == SoakStore.Both ? phaseSeconds / 2 : (double?)null;
        var diskEnd = switchAt ?? phaseSeconds;
        var redisStart = store switch { SoakStore.Redis => 0, SoakStore.Both => switchAt!.Value, _ => phaseSeconds };

        if (switchAt is { } at) faults.Add(new PlannedFault(at, PlannedFaultKind.SwitchStore));
        // The last 15 s stay free of new kills: the final kill follows the phase anyway.
        for (var i = 0; ; i++)
        {
            var kill = killEverySeconds * (i + 0.5) * (1 + (random.NextDouble() - 0.5) * 0.3);
            if (kill >= phaseSeconds - 15) break;
            if (switchAt is { } s && Math.Abs(kill - s) < 20) continue; // the switch is a kill already
            faults.Add(new PlannedFault(kill, PlannedFaultKind.Kill));
        }

        var redisLength = phaseSeconds - redisStart;
        if (redisLength > 0)
        {
            var outages = Math.Max(2, (int)Math.Ceiling(2 * phaseSeconds / 900));
            var duration = Math.Clamp(redisLength / (4.0 * outages), 5, 30);
            for (var j = 0; j < outages; j++)
                faults.Add(new PlannedFault(redisStart + redisLength * (j + 0.4) / outages, PlannedFaultKind.RedisOutage, duration));
        }

        if (diskFiller)
            faults.Add(new PlannedFault(diskEnd * 0.35, PlannedFaultKind.DiskFiller, Math.Clamp(diskEnd / 10, 5, 30)));

        var truncate = false;
        for (var t = CorruptEverySeconds; t < phaseSeconds - 5; t += CorruptEverySeconds)
        {
            faults.Add(new PlannedFault(t, truncate ? PlannedFaultKind.TruncateLatent : PlannedFaultKind.CorruptLatent));
            truncate = !truncate;
        }
        return faults.OrderBy(f => f.At).ToArray();
    }
}
