namespace Diffusion.Cli.Soak;

/// <summary>One kill and the restart after it: how long the service was away and what went wrong starting it again.</summary>
public sealed record RestartRecord(string Reason, double KilledAt, int? KilledPid, double? HealthyAt, double SecondsToHealthy, int Attempts,
    IReadOnlyList<string> Failures, string Store);

/// <summary>
/// Kills and restarts the service, one operation at a time, and records each as a fault window from
/// the kill until the restarted service is healthy (+ grace). A restart that fails is retried; when
/// the disk is full and the service cannot start on it, the soak grows the tmpfs a little so the run
/// can go on, and says so (the failures stay in the report).
/// </summary>
public sealed class ServiceSupervisor(ServiceProcess service, FaultLog faults, SoakProgress progress, SoakClock clock, ScratchDisk disk,
    string? redisAddress)
{
    private const int MaxAttempts = 8;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly List<RestartRecord> restarts = [];

    public SoakStore Store { get; private set; }

    public IReadOnlyList<RestartRecord> Restarts { get { lock (restarts) return restarts.ToArray(); } }

    public async Task StartAsync(SoakStore store, CancellationToken cancellationToken)
    {
        Store = store;
        var start = await service.StartAsync(store, redisAddress, cancellationToken);
        if (!start.Healthy)
        {
            service.Kill();
            throw new SoakFailedException($"the service did not start: {start.Problem}");
        }
        progress.Line($"service up on {service.BaseAddress} ({StoreName(store)} store, pid {service.Pid}) in {start.Seconds:0.0} s");
    }

    /// <summary>kill -9, then restart (with <paramref name="store"/>, or the same store) until healthy.</summary>
    public async Task KillAndRestartAsync(string reason, SoakStore? store, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            var killedAt = clock.Seconds;
            var pid = service.Kill();
            var detail = $"kill -9 of the service (pid {pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, lifetime {service.Lifetime}): {reason}";
            var window = faults.Record(killedAt, FaultKinds.Kill, detail, lasting: true)!;
            progress.Fault(FaultKinds.Kill, detail);
            Store = store ?? Store;

            var failures = new List<string>();
            var attempts = 0;
            while (true)
            {
                attempts++;
                var start = await service.StartAsync(Store, redisAddress, cancellationToken);
                if (start.Healthy) break;
                failures.Add(start.Problem ?? "unknown");
                progress.Line($"restart attempt {attempts} failed: {start.Problem}");
                service.Kill();
                if (attempts >= MaxAttempts)
                {
                    Record(reason, killedAt, pid, null, attempts, failures);
                    throw new SoakFailedException($"the service did not come back after {attempts} attempts: {start.Problem}");
                }
                if (attempts >= 2 && disk.IsFull && disk.TryResize(disk.SizeBytes + (1 << 20), out _))
                {
                    faults.Note(clock.Seconds, "disk_grown_for_restart", $"tmpfs grown to {disk.SizeBytes / 1024} KiB so the service can start");
                    progress.Line($"the service does not start on the full disk: tmpfs grown to {disk.SizeBytes / 1024} KiB");
                }
                await Task.Delay(TimeSpan.FromSeconds(2), clock.Time, cancellationToken);
            }
            var healthyAt = clock.Seconds;
            faults.Close(window, healthyAt);
            Record(reason, killedAt, pid, healthyAt, attempts, failures);
            progress.Line($"service back ({StoreName(Store)} store, pid {service.Pid}, lifetime {service.Lifetime}) {healthyAt - killedAt:0.0} s after the kill");
        }
        finally
        {
            gate.Release();
        }
    }

    private void Record(string reason, double killedAt, int? pid, double? healthyAt, int attempts, List<string> failures)
    {
        lock (restarts)
            restarts.Add(new RestartRecord(reason, killedAt, pid, healthyAt, (healthyAt ?? clock.Seconds) - killedAt, attempts, failures, StoreName(Store)));
    }

    public static string StoreName(SoakStore store) => store.ToString().ToLowerInvariant();
}

/// <summary>The soak cannot go on (the service does not start, Redis is missing); its message is the one line to print.</summary>
public sealed class SoakFailedException(string message) : Exception(message);
