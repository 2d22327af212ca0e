namespace Diffusion.Cli.Soak;

/// <summary>Which latent store the soaked service runs with.</summary>
public enum SoakStore
{
    /// <summary>Latent files and SQLite under the data directory: corrupt files and a full disk reach the store.</summary>
    Files,

    /// <summary>Latents and metadata in the soak's own Redis (<c>--cache-redis</c>): Redis outages reach the store.</summary>
    Redis,

    /// <summary>The first half of the fault phase on files, the second on Redis (the switch is one of the kills).</summary>
    Both,
}

/// <summary>Settings of one soak run, validated by the command before it starts anything.</summary>
public sealed record SoakOptions
{
    public int Minutes { get; init; } = 15;
    public double Load { get; init; } = 0.8;
    public double KillEverySeconds { get; init; } = 120;
    public int? Port { get; init; }
    public string ModelsDirectory { get; init; } = "./models";
    public int Seed { get; init; } = 1;
    public bool KeepData { get; init; }
    public SoakStore Store { get; init; } = SoakStore.Both;
    public string? JsonPath { get; init; }
    public string? ReportPath { get; init; }

    /// <summary>Length of the fault phase (warm-up, drain and overload come on top).</summary>
    public double FaultSeconds => Minutes * 60.0;

    /// <summary>
    /// The overload phase is 60 s for a 15-minute soak, shorter for shorter ones, but 30 s at least:
    /// at 3x capacity the default queue of 32 fills in about 15 s, and the phase is meant to overflow it.
    /// </summary>
    /// <summary>The service's --max-queue-wait in the overload phase; null uses the warm-up's unloaded p99 / 2.</summary>
    public double? OverloadMaxQueueWaitSeconds { get; init; }

    public double OverloadSeconds => Math.Clamp(60.0 * Minutes / 15, 30, 60);

    /// <summary>The pause after the overload before the recovery requests: 30 s for 15 minutes, 15 s at least.</summary>
    public double IdleSeconds => Math.Clamp(30.0 * Minutes / 15, 15, 30);

    /// <summary>
    /// The part of the fault phase whose store lives on the scratch disk and that the full disk belongs
    /// to: all of it for one store, the files half for <see cref="SoakStore.Both"/> (the disk gets its
    /// room back at the switch, so Redis outages are seen apart from a full disk).
    /// </summary>
    public double DiskSeconds => Store == SoakStore.Both ? FaultSeconds / 2 : FaultSeconds;
}
