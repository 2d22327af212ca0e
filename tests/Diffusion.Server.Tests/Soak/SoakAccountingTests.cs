using Diffusion.Cli.Soak;

namespace Diffusion.Server.Tests.Soak;

/// <summary>The soak's verdicts from hand-made records: what a fault window explains, what counts as a corrupt serve, what is lost.</summary>
public sealed class SoakAccountingTests
{
    private int index;

    private SoakRequest Sync(double start, double end, int? status, bool succeeded = false, ServedHit? hit = null, string tenant = "user-1",
        TransportFailure transport = TransportFailure.None) =>
        new()
        {
            Index = index++, Kind = SoakRequestKind.Sync, Phase = SoakPhase.Faults, Tenant = tenant, Start = start, End = end,
            Status = status, Succeeded = succeeded, Hit = hit, Transport = transport, Error = status >= 400 ? "boom 42" : null,
        };

    private SoakRequest Job(double start, string? seenFinal, string? endCheck, string id = "job_1") =>
        new()
        {
            Index = index++, Kind = SoakRequestKind.Job, Phase = SoakPhase.Faults, Tenant = "user-1", Start = start, Status = 202,
            JobId = id, JobFinal = seenFinal, EndCheck = endCheck, Succeeded = seenFinal == JobStates.Succeeded || endCheck == JobStates.Succeeded,
        };

    private static FaultLog KillAt(double killedAt, double healthyAt)
    {
        var log = new FaultLog();
        var window = log.Record(killedAt, FaultKinds.Kill, "kill -9", lasting: true)!;
        log.Close(window, healthyAt);
        return log;
    }

    [Fact]
    public void A_5xx_inside_a_kill_window_is_explained_and_one_outside_it_is_not()
    {
        var log = KillAt(killedAt: 100, healthyAt: 120); // the window runs to 125 with the grace period
        ServerErrorAnswer[] errors =
        [
            new(99, 101, "POST", "v1/images/generations", 503, "shutting down"),   // in flight across the kill
            new(123, 124, "POST", "v1/images/generations", 500, "within the grace period"),
            new(126, 127, "POST", "v1/images/generations", 500, "after the grace period"),
            new(10, 11, "GET", "v1/jobs/{id}", 500, "long before"),
        ];

        var result = SoakAccounting.Compute([], errors, log.Windows, log.Corrupted, [0]);

        Assert.Equal(2, result.Explained5xx);
        Assert.Equal(["after the grace period", "long before"], result.Unexplained5xx.Select(e => e.Message));
    }

    [Fact]
    public void A_Redis_outage_explains_5xx_but_a_full_disk_only_annotates_them()
    {
        var log = new FaultLog();
        log.Close(log.Record(50, FaultKinds.RedisOutage, "redis down", lasting: true)!, 60);
        log.Close(log.Record(200, FaultKinds.DiskFiller, "filler", lasting: true)!, 220, grace: 0);

        var result = SoakAccounting.Compute([],
            [new(55, 56, "POST", "v1/images/generations", 503, "redis"), new(210, 211, "JOB", "v1/jobs/{id} failed", 500, "no space left")],
            log.Windows, log.Corrupted, [0]);

        Assert.Equal(1, result.Explained5xx);
        var unexplained = Assert.Single(result.Unexplained5xx);
        Assert.True(unexplained.DuringDiskFull);
    }

    [Fact]
    public void A_hit_on_a_latent_corrupted_before_the_serving_lifetime_was_launched_counts_as_corrupt_served()
    {
        var log = new FaultLog();
        log.AddCorrupted(new CorruptedLatent("user-1", "00000000000000aa", 25, At: 40, FaultKinds.CorruptLatent, "files"), "flipped");
        double[] launches = [0, 50]; // a kill and restart between the damage and the later requests
        SoakRequest[] requests =
        [
            Sync(51, 52, 200, succeeded: true, hit: new ServedHit("00000000000000AA", 25)),                  // counts (ids compare case-blind)
            Sync(41, 42, 200, succeeded: true, hit: new ServedHit("00000000000000aa", 25)),                  // same lifetime: maybe the near cache's copy
            Sync(39, 42, 200, succeeded: true, hit: new ServedHit("00000000000000aa", 25)),                  // started before the damage
            Sync(51, 52, 200, succeeded: true, hit: new ServedHit("00000000000000aa", 15)),                  // another K
            Sync(51, 52, 200, succeeded: true, hit: new ServedHit("00000000000000aa", 25), tenant: "user-2"),// another tenant
            Sync(51, 52, 200, succeeded: true),                                                              // a miss
        ];

        var result = SoakAccounting.Compute(requests, [], log.Windows, log.Corrupted, launches);

        var serve = Assert.Single(result.CorruptServed);
        Assert.Equal((0, 25, 40.0, 50.0), (serve.Request, serve.K, serve.CorruptedAt, serve.ServiceLaunchedAt));
        Assert.Equal(1, Assert.Single(result.CorruptNamedSameLifetime).Request);
        Assert.Equal(5, result.HitsServed);
    }

    [Fact]
    public void Accepted_requests_end_in_exactly_one_outcome()
    {
        var log = KillAt(killedAt: 100, healthyAt: 110);
        SoakRequest[] requests =
        [
            Sync(1, 2, 200, succeeded: true),
            Sync(3, 4, 500),
            Sync(5, 6, 500),
            Sync(95, 100.5, null, transport: TransportFailure.Lost),    // dropped by the kill
            Sync(300, 301, null, transport: TransportFailure.Lost),     // dropped with no fault about
            Sync(102, 102.1, null, transport: TransportFailure.Refused),// never reached the service: not accepted
            Sync(7, 8, 429),                                            // refused: not accepted
            Job(10, JobStates.Succeeded, JobStates.Succeeded),
            Job(11, null, JobStates.Cancelled),
            Job(12, null, JobStates.NotFound, "job_gone"),
        ];

        var result = SoakAccounting.Compute(requests, [], log.Windows, log.Corrupted, [0]);

        Assert.Equal(8, result.Accepted);
        Assert.Equal(result.Accepted, result.Outcomes.Total);
        Assert.Equal(2, result.Outcomes.Succeeded);
        Assert.Equal(2, result.Outcomes.FailedWithReason["HTTP 500: boom <n>"]);
        Assert.Equal(1, result.Outcomes.ConnectionLostInInjectedCrash);
        Assert.Equal(1, result.Outcomes.ConnectionLostUnexplained);
        Assert.Equal(1, result.Outcomes.Cancelled);
        Assert.Equal(1, result.Outcomes.Lost);
        Assert.Equal(new Dictionary<string, int> { ["refused_while_down"] = 1, ["rejected_429"] = 1 }, result.NotAccepted);
    }

    [Fact]
    public void A_job_is_lost_when_it_answers_404_or_has_not_ended_at_the_end_even_if_it_was_seen_finishing()
    {
        SoakRequest[] requests =
        [
            Job(1, JobStates.Succeeded, JobStates.Succeeded, "job_kept"),
            Job(2, JobStates.Succeeded, JobStates.NotFound, "job_forgotten"),
            Job(3, null, "running", "job_stuck"),
            Job(4, null, JobStates.Failed, "job_failed_with_reason"),
        ];

        var result = SoakAccounting.Compute(requests, [], [], [], [0]);

        Assert.Equal(["job_forgotten", "job_stuck"], result.LostJobs.Select(j => j.Id));
        Assert.Equal(JobStates.Succeeded, result.LostJobs[0].SeenFinal);
    }

    [Fact]
    public void Disk_over_budget_is_the_largest_sample_minus_the_budget_never_below_zero()
    {
        Assert.Equal(0, DiskBudget.OverBudget([100, 900, 1000], budget: 1000));
        Assert.Equal(24, DiskBudget.OverBudget([100, 1024, 1000], budget: 1000));
        Assert.Equal(0, DiskBudget.OverBudget([], budget: 1000));

        var budget = new DiskBudget(1000);
        budget.Observe(990);
        Assert.Equal(0, budget.OverBudgetBytes);
        budget.Observe(1500);
        budget.Observe(1200);
        Assert.Equal((1500L, 500L, 3), (budget.MaxBytes, budget.OverBudgetBytes, budget.Samples));
    }

    [Fact]
    public void Directory_bytes_are_the_file_lengths_under_it()
    {
        var directory = Directory.CreateTempSubdirectory("soak-disk-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(directory, "latents", "default"));
            File.WriteAllBytes(Path.Combine(directory, "latents", "default", "a.k5.dlat"), new byte[4170]);
            File.WriteAllBytes(Path.Combine(directory, "cache-metadata.db"), new byte[100]);
            Assert.Equal(4270, DiskBudget.DirectoryBytes(directory));
            Assert.Equal(0, DiskBudget.DirectoryBytes(Path.Combine(directory, "missing")));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
