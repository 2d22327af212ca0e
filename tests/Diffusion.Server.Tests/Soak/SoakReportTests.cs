using System.Text.Json;
using Diffusion.Cli.Soak;

namespace Diffusion.Server.Tests.Soak;

/// <summary>The report's JSON keeps the key names its readers look for.</summary>
public sealed class SoakReportTests
{
    [Fact]
    public void The_json_has_the_agreed_keys()
    {
        var accounting = SoakAccounting.Compute([], [new ServerErrorAnswer(1, 2, "POST", "v1/images/generations", 500, "x")], [], [], [0]);
        var report = new SoakReport
        {
            Minutes = 1, Load = 0.8, CapacityRps = 2, Store = "both", Seed = 1, KillEveryS = 120, StartedUtc = DateTimeOffset.UnixEpoch,
            DurationS = 1, Completed = true, Prompts = "p", WarmUp = null, Phases = new SoakPhases(1, 2, 3, 4), Sent = 0,
            Accepted = accounting.Accepted, NotAccepted = accounting.NotAccepted, Outcomes = accounting.Outcomes, LostJobsCount = 0,
            LostJobs = accounting.LostJobs, CorruptServedCount = 0, CorruptServed = accounting.CorruptServed, CorruptNamedSameLifetimeCount = 0,
            CorruptNamedSameLifetime = accounting.CorruptNamedSameLifetime, CacheHitsServed = 0, LatentsCorrupted = 0,
            Unexplained5xxCount = 1, Unexplained5xx = accounting.Unexplained5xx, Explained5xx = 0, DiskOverBudgetBytes = 0,
            CacheBudgetBytes = 10, MaxStoreBytes = 5, DiskFull = new DiskFullReport(false, "not root", null, null, 0, 0), PeakRssBytes = 1,
            ServiceLifetimes = 1, LastLifetime = new LifetimeResources(1, null, null), Faults = new Dictionary<string, int> { ["kill"] = 1 },
            Restarts = [], FaultLog = [],
            Overload = new OverloadResult(30, 3, 10, 5, 5, 1, 32, 9.5, 1.0, 9.5, 0, 15, [1.0], true, "rule"),
            WorkDirectory = "/tmp/x",
        };

        using var json = JsonDocument.Parse(report.ToJson());
        var root = json.RootElement;
        foreach (var key in new[] { "accepted", "outcomes", "lost_jobs", "corrupt_served", "unexplained_5xx", "disk_over_budget_bytes",
                                    "peak_rss_bytes", "last_lifetime", "faults", "minutes", "capacity_rps", "load", "overload" })
            Assert.True(root.TryGetProperty(key, out _), $"no '{key}' in the report");
        Assert.True(root.GetProperty("outcomes").TryGetProperty("failed_with_reason", out _));
        Assert.True(root.GetProperty("outcomes").TryGetProperty("connection_lost_in_injected_crash", out _));
        foreach (var key in new[] { "accepted", "rejected_429", "retry_after_present", "max_queue_depth", "p99_accepted_seconds", "unloaded_p99_seconds",
                                    "p99_ratio", "recovered" })
            Assert.True(root.GetProperty("overload").TryGetProperty(key, out _), $"no overload '{key}' in the report");
        // The headline keys are counts, the cases are listed beside them.
        Assert.Equal(1, root.GetProperty("unexplained_5xx").GetInt32());
        Assert.Equal(1, root.GetProperty("unexplained_5xx_detail").GetArrayLength());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("lost_jobs").ValueKind);
        Assert.Equal(JsonValueKind.Number, root.GetProperty("corrupt_served").ValueKind);
    }

    [Fact]
    public void Failure_reasons_lose_their_ids_so_the_same_failure_groups()
    {
        Assert.Equal("logged under trace id <id>",
            SoakAccounting.Normalize("logged under trace id 00-f72abd226d910267ff7e012f20f9b1b4-43f523cb0208301c-00"));
        Assert.Equal("job <id> failed after <n> s", SoakAccounting.Normalize("job job_f844346acdd4c292fae01406 failed after 3.5 s"));
    }
}
