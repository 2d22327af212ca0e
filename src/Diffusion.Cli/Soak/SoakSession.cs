using StackExchange.Redis;
using Diffusion.Cli.Processes;

namespace Diffusion.Cli.Soak;

/// <summary>
/// One soak run from start to report: set-up (Redis, tmpfs, service), warm-up and capacity, the
/// fault phase (traffic + injector + sampler), the final crash and job check, the overload phase,
/// then the accounting. Each phase is a method; what they share lives here.
/// </summary>
public sealed class SoakSession
{
    private const int OverloadWarmUpRequests = 3;

    public const int Workers = 1;
    private const long WarmUpTmpfsBytes = 32L << 20;
    private const int WarmUpDiscard = 2;
    private const int WarmUpMeasured = 20;
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(120);

    private readonly SoakOptions options;
    private readonly TextWriter error;
    private readonly SoakClock clock = new(TimeProvider.System);
    private readonly SoakProgress progress;
    private readonly FaultLog faults = new();
    private readonly SoakLedger ledger = new();
    private readonly DateTimeOffset startedUtc = DateTimeOffset.UtcNow;
    private readonly string work;
    private readonly ScratchDisk disk;
    private readonly DiskBudget budget;
    private readonly string cacheSize;

    private PromptSource? prompts;
    private RedisProcess? redis;
    private ConnectionMultiplexer? redisClient;
    private ServiceProcess? service;
    private ServiceSupervisor? supervisor;
    private SoakHttp? http;
    private RequestSender? sender;
    private ResourceSampler? sampler;
    private WarmUpResult? warmUp;
    private OverloadResult? overload;
    private ProcessSample? afterWarmUp;
    private ProcessSample? atEnd;
    private int? lastPid;
    private double? overloadStartedAt;
    private double? faultStartedAt;
    private double? trafficStoppedAt;
    private double? jobCheckAt;
    private long? faultTmpfsBytes;
    private readonly CancellationTokenSource followStop = new();

    public SoakSession(SoakOptions options, TextWriter error)
    {
        this.options = options;
        this.error = error;
        progress = new SoakProgress(error, clock);
        work = Directory.CreateTempSubdirectory("diffusion-soak-").FullName;
        disk = new ScratchDisk(Path.Combine(work, "data"));
        // The budget sits above the tmpfs at all times, so the disk fills before eviction would start.
        budget = new DiskBudget(2 * WarmUpTmpfsBytes);
        cacheSize = $"{2 * WarmUpTmpfsBytes / (1 << 20)}MB";
    }

    public string WorkDirectory => work;

    /// <summary>Runs every phase; on failure or interruption still returns a report of what was measured.</summary>
    public async Task<SoakReport> RunAsync(CancellationToken cancellationToken)
    {
        using var cleanup = new SoakCleanup(work, options.KeepData, error) { Disk = disk };
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task? sampling = null;
        string? problem = null;
        var completed = false;
        try
        {
            await SetUpAsync(cleanup, cancellationToken);
            sampling = Task.Run(() => sampler!.RunAsync(stopSampling.Token), CancellationToken.None);
            await WarmUpAsync(cancellationToken);
            await FaultPhaseAsync(cancellationToken);
            await FinalCrashAndJobCheckAsync(cancellationToken);
            GrowDiskBack("for the overload phase");
            // Overload is met the way an operator would: new work that would wait longer than half an unloaded run's p99
            // is refused with 429, so accepted work takes about that wait plus its own run, which itself slows under
            // load (the client shares the cores), staying under 2x the unloaded p99. The service's default only bounds
            // the queue's length.
            service!.MaxQueueWaitSeconds = options.OverloadMaxQueueWaitSeconds ?? warmUp!.P99Seconds / 2;
            await supervisor!.KillAndRestartAsync(
                $"restart with --max-queue-wait {service.MaxQueueWaitSeconds:0.###} s for the overload phase", null, cancellationToken);
            // A fresh process's first runs pay for JIT and ONNX Runtime's first allocations; the unloaded p99 was
            // measured warm, so the overload is measured warm too.
            for (var i = 0; i < OverloadWarmUpRequests; i++) await sender!.SendSyncAsync(prompts!.Next(), SoakPhase.WarmUp, cancellationToken);
            afterWarmUp = sampler!.SampleNow();
            lastPid = service!.Pid;
            overloadStartedAt = clock.Seconds;
            overload = await new OverloadPhase(sender!, new TrafficGenerator(sender!, prompts!, ledger, clock), prompts!, ledger, http!, progress, clock)
                .RunAsync(options.OverloadSeconds, options.IdleSeconds, warmUp!, options.Seed + 2, cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), clock.Time, cancellationToken);
            atEnd = sampler.SampleNow();
            completed = true;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            problem = "interrupted";
            progress.Line("interrupted: stopping and cleaning up");
        }
        catch (Exception e) when (e is SoakFailedException or IOException)
        {
            problem = e.Message;
            progress.Line($"stopped: {e.Message}");
        }
        finally
        {
            await stopSampling.CancelAsync();
            if (sampling is not null) await sampling;
        }
        await followStop.CancelAsync();
        var report = BuildReport(completed, problem);
        redisClient?.Dispose();
        http?.Dispose();
        followStop.Dispose();
        return report;
    }

    private async Task SetUpAsync(SoakCleanup cleanup, CancellationToken cancellationToken)
    {
        prompts = PromptSource.Load(options.ModelsDirectory, options.Seed);
        progress.Line($"work directory {work}; prompts from the {prompts.Origin}");

        string? redisAddress = null;
        if (options.Store != SoakStore.Files)
        {
            var executable = RedisProcess.FindExecutable()
                             ?? throw new SoakFailedException("redis-server is not installed (apt-get install redis-server), or run with --store files");
            redis = new RedisProcess(executable, Path.Combine(work, "redis"), LoopbackPorts.Free());
            cleanup.Redis = redis;
            await redis.StartAsync(cancellationToken);
            redisAddress = redis.Address;
            var configuration = ConfigurationOptions.Parse(redisAddress);
            configuration.AbortOnConnectFail = false;
            configuration.ConnectTimeout = 2000;
            configuration.SyncTimeout = 2000;
            configuration.AsyncTimeout = 2000;
            redisClient = await ConnectionMultiplexer.ConnectAsync(configuration);
            progress.Line($"redis-server on {redisAddress} (no persistence)");
        }

        if (disk.TryMount(WarmUpTmpfsBytes)) progress.Line($"data directory on a tmpfs at {disk.Directory}");
        else progress.Line($"disk_full: not injected ({disk.NotInjectedReason})");

        http = new SoakHttp(SoakHttp.CreateClient(), new Uri($"http://127.0.0.1:{options.Port ?? LoopbackPorts.Free()}/"), clock);
        var launch = new ServiceLaunch(http.BaseAddress.Port, disk.Directory, Path.GetFullPath(options.ModelsDirectory), cacheSize, Workers,
            JobRetentionSeconds: (int)(options.FaultSeconds + 3600), Path.Combine(work, "service.log"));
        service = new ServiceProcess(launch, http.Client, clock);
        cleanup.Service = service;
        supervisor = new ServiceSupervisor(service, faults, progress, clock, disk, redisAddress);
        sender = new RequestSender(http, ledger, clock, faults, progress);
        sampler = new ResourceSampler(service, new StoreBytes(Path.Combine(disk.Directory, "cache"), redisClient), budget, disk, faults, progress, clock);
        await supervisor.StartAsync(options.Store == SoakStore.Redis ? SoakStore.Redis : SoakStore.Files, cancellationToken);
    }

    private async Task WarmUpAsync(CancellationToken cancellationToken)
    {
        var before = GrowingBytes();
        warmUp = await new CapacityProbe(sender!, prompts!).RunAsync(WarmUpDiscard, WarmUpMeasured, Workers, cancellationToken);
        progress.Line($"warm-up: mean {warmUp.MeanSeconds:0.000} s, p50 {warmUp.P50Seconds:0.000} s, p99 {warmUp.P99Seconds:0.000} s " +
                      $"-> capacity {warmUp.CapacityRps:0.00} requests/s with {Workers} worker(s)");
        if (!disk.Mounted) return;
        // Size the tmpfs so the service's own writes (images, latents) fill it about 60 % into the disk's part
        // of the fault phase; the SQLite WAL grows too, so it fills somewhat earlier.
        var perRequest = Math.Max(4096.0, (double)(GrowingBytes() - before) / (WarmUpDiscard + WarmUpMeasured));
        var expected = perRequest * options.Load * warmUp.CapacityRps * options.DiskSeconds;
        var size = (long)(disk.UsedBytes + 0.6 * expected);
        var resized = disk.TryResize(size, out var why);
        faultTmpfsBytes = disk.SizeBytes;
        if (resized)
            progress.Line($"tmpfs resized to {disk.SizeBytes / 1024} KiB ({disk.UsedBytes / 1024} KiB used, ~{perRequest / 1024:0.0} KiB per request); cache budget {cacheSize}");
        else
            progress.Line($"tmpfs could not be resized ({why}); it stays {disk.SizeBytes / 1024} KiB");
    }

    /// <summary>What grows with every request: gallery images and latent files (the WAL is left out: it stops growing at its checkpoint size).</summary>
    private long GrowingBytes() =>
        ScratchDisk.PagedBytes(Path.Combine(disk.Directory, "images")) + ScratchDisk.PagedBytes(Path.Combine(disk.Directory, "cache", "latents"));

    private async Task FaultPhaseAsync(CancellationToken cancellationToken)
    {
        var rate = options.Load * warmUp!.CapacityRps;
        var schedule = FaultSchedule.Build(options.FaultSeconds, options.KillEverySeconds, options.Store, disk.Mounted, options.Seed);
        progress.Line($"fault phase: {options.FaultSeconds / 60:0.#} min at {rate:0.00} requests/s ({options.Load:0.##} x capacity), " +
                      $"{schedule.Count} faults planned");
        var corruptors = new Dictionary<SoakStore, ILatentCorruptor>
        {
            [SoakStore.Files] = new FileLatentCorruptor(Path.Combine(disk.Directory, "cache", "latents")),
        };
        if (redisClient is not null) corruptors[SoakStore.Redis] = new RedisLatentCorruptor(redisClient);
        var injector = new FaultInjector(supervisor!, redis, disk, corruptors, faults, progress, clock, options.Seed + 1,
            () => GrowDiskBack("for the Redis half of the fault phase"));

        var phaseStart = clock.Seconds;
        faultStartedAt = phaseStart;
        var injecting = injector.RunAsync(schedule, phaseStart, cancellationToken);
        var minutes = MinuteLinesAsync(phaseStart, cancellationToken);
        var traffic = new TrafficGenerator(sender!, prompts!, ledger, clock);
        await traffic.RunAsync(rate, options.FaultSeconds, SoakPhase.Faults, TrafficMix.Faults, options.Seed, cancellationToken, followStop.Token);
        trafficStoppedAt = clock.Seconds;
        await injecting;   // a restart late in the phase finishes before the final crash
        await minutes;
    }

    private async Task MinuteLinesAsync(double phaseStart, CancellationToken cancellationToken)
    {
        for (var minute = 1; minute <= options.Minutes; minute++)
        {
            var wait = phaseStart + minute * 60 - clock.Seconds;
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait), clock.Time, cancellationToken);
            progress.Minute(minute, ledger.InPhase(SoakPhase.Faults).ToArray(), faults, ledger.InFlight);
        }
    }

    /// <summary>
    /// One more crash after the traffic stopped, so every job still open meets a restart; then the
    /// drain (until no follower waits for an end, at most 120 s), then every accepted job is asked for again.
    /// </summary>
    private async Task FinalCrashAndJobCheckAsync(CancellationToken cancellationToken)
    {
        await supervisor!.KillAndRestartAsync("final crash before the job check", null, cancellationToken);
        var deadline = clock.Seconds + DrainLimit.TotalSeconds;
        while (clock.Seconds < deadline)
        {
            var open = ledger.InPhase(SoakPhase.Faults)
                .Count(r => r.Kind == SoakRequestKind.Job && r.IsAccepted && !JobStates.IsFinal(r.JobFinal) && r.FirstNotFoundAt is null);
            if (open == 0) break;
            await Task.Delay(TimeSpan.FromSeconds(2), clock.Time, cancellationToken);
        }
        await followStop.CancelAsync();
        await ledger.WaitAllAsync(TimeSpan.FromSeconds(40), cancellationToken);

        jobCheckAt = clock.Seconds;
        var jobs = ledger.InPhase(SoakPhase.Faults).Where(r => r.Kind == SoakRequestKind.Job && r.IsAccepted).ToArray();
        foreach (var job in jobs) await sender!.CheckJobAsync(job, cancellationToken);
        var lost = jobs.Count(j => !JobStates.IsFinal(j.EndCheck));
        progress.Line($"job check: {jobs.Length} accepted jobs asked for again; {lost} answer 404 or have not ended");
    }

    /// <summary>The full disk ends (filler removed, tmpfs grown back): at the switch to Redis, and before the overload phase.</summary>
    private void GrowDiskBack(string why)
    {
        if (!disk.Mounted) return;
        var freed = disk.RemoveFiller();
        if (disk.TryResize(WarmUpTmpfsBytes, out _))
        {
            sampler!.EndDiskFull(clock.Seconds);
            faults.Note(clock.Seconds, "disk_grown_back", $"tmpfs grown back to {disk.SizeBytes / 1024} KiB {why}");
            progress.Line($"tmpfs grown back to {disk.SizeBytes / 1024} KiB {why}{(freed > 0 ? $" (filler of {freed / 1024} KiB removed)" : "")}");
        }
    }

    private SoakReport BuildReport(bool completed, string? problem)
    {
        var requests = ledger.Requests.Where(r => r.Phase == SoakPhase.Faults).ToArray();
        // The overload phase reports its own numbers; every 5xx before it is judged here.
        var serverErrors = (http?.ServerErrors ?? []).Where(e => overloadStartedAt is not { } o || e.Start < o).ToArray();
        var accounting = SoakAccounting.Compute(requests, serverErrors, faults.Windows, faults.Corrupted, service?.Launches ?? []);
        return new SoakReport
        {
            Minutes = options.Minutes,
            Load = options.Load,
            CapacityRps = Math.Round(warmUp?.CapacityRps ?? 0, 3),
            Store = SoakStoreName(options.Store),
            Seed = options.Seed,
            KillEveryS = options.KillEverySeconds,
            StartedUtc = startedUtc,
            DurationS = Math.Round(clock.Seconds, 1),
            Completed = completed,
            Problem = problem,
            Prompts = prompts?.Origin ?? "",
            WarmUp = warmUp,
            Phases = new SoakPhases(Round(faultStartedAt), Round(trafficStoppedAt), Round(jobCheckAt), Round(overloadStartedAt)),
            Sent = requests.Length,
            Accepted = accounting.Accepted,
            NotAccepted = accounting.NotAccepted,
            Outcomes = accounting.Outcomes,
            LostJobsCount = accounting.LostJobs.Count,
            LostJobs = accounting.LostJobs,
            CorruptServedCount = accounting.CorruptServed.Count,
            CorruptServed = accounting.CorruptServed,
            CorruptNamedSameLifetimeCount = accounting.CorruptNamedSameLifetime.Count,
            CorruptNamedSameLifetime = accounting.CorruptNamedSameLifetime,
            CacheHitsServed = accounting.HitsServed,
            LatentsCorrupted = faults.Corrupted.Count,
            Unexplained5xxCount = accounting.Unexplained5xx.Count,
            Unexplained5xx = accounting.Unexplained5xx,
            Explained5xx = accounting.Explained5xx,
            DiskOverBudgetBytes = budget.OverBudgetBytes,
            CacheBudgetBytes = budget.BudgetBytes,
            MaxStoreBytes = budget.MaxBytes,
            DiskFull = new DiskFullReport(disk.NotInjectedReason is null, disk.NotInjectedReason,
                disk.NotInjectedReason is null ? faultTmpfsBytes ?? disk.SizeBytes : null, sampler?.FirstFullAt is { } f ? Math.Round(f, 1) : null,
                Math.Round(sampler?.FullSeconds ?? 0, 1), sampler?.MaxDiskUsedBytes ?? 0),
            PeakRssBytes = sampler?.PeakRssBytes ?? 0,
            ServiceLifetimes = service?.Lifetime ?? 0,
            LastLifetime = new LifetimeResources(lastPid, afterWarmUp, atEnd),
            Faults = faults.Counts,
            Restarts = supervisor?.Restarts ?? [],
            FaultLog = faults.Events,
            Overload = overload,
            WorkDirectory = work,
        };
    }

    private static double? Round(double? seconds) => seconds is { } s ? Math.Round(s, 1) : null;

    public static string SoakStoreName(SoakStore store) => store.ToString().ToLowerInvariant();
}
