using Diffusion.Engine.Scheduling;
using Diffusion.Lab.Slo;

namespace Diffusion.Lab.Tests.Slo;

/// <summary><c>bench slo</c>: its workload, its percentiles, and a tiny sweep on the shipped models.</summary>
public sealed class SloBenchTests(OwnModel own) : IClassFixture<OwnModel>
{
    [Fact]
    public void The_workload_is_the_same_mix_at_every_load_with_arrivals_scaled_by_the_rate()
    {
        var options = new SloBenchOptions { RequestsPerPoint = 2000 };
        var slow = SloWorkload.Generate(options, 1.0);
        var fast = SloWorkload.Generate(options, 4.0);

        Assert.Equal(slow.Select(r => (r.StartStep, r.Expand, r.Class)), fast.Select(r => (r.StartStep, r.Expand, r.Class)));
        Assert.All(slow.Zip(fast), p => Assert.True(Math.Abs(p.First.Arrival.TotalSeconds / 4 - p.Second.Arrival.TotalSeconds) < 1e-3));   // but for ticks lost in rounding
        Assert.InRange(slow[^1].Arrival.TotalSeconds / slow.Count, 0.9, 1.1);                    // a Poisson process of rate 1
        Assert.InRange(slow.Count(r => r.Expand) / 2000.0, 0.27, 0.33);
        Assert.InRange(slow.Count(r => r.Class == SloClass.Batch) / 2000.0, 0.17, 0.23);
        Assert.InRange(slow.Count(r => r.StartStep == 10) / 2000.0, 0.56, 0.64);                 // the cache trace's K 10 hits
        Assert.InRange(slow.Count(r => r.StartStep == 25) / 2000.0, 0.10, 0.14);                 // and its K 25 hits
        Assert.InRange(slow.Count(r => r.StartStep == 0) / 2000.0, 0.02, 0.06);                  // its misses

        var again = SloWorkload.Generate(options, 1.0, repeat: 1);                                  // a repeat draws its own requests
        Assert.NotEqual(slow.Select(r => (r.Arrival, r.Expand, r.Class)), again.Select(r => (r.Arrival, r.Expand, r.Class)));
        Assert.Equal(slow.Select(r => r.Arrival), SloWorkload.Generate(options, 1.0).Select(r => r.Arrival));
    }

    private static SloPoint Attaining(double load, double attainment) =>
        new("request-fcfs", load, load, attainment, 0, 0, LatencySummary.Of([]), LatencySummary.Of([]), LatencySummary.Of([]), LatencySummary.Of([]), 1, 0);

    [Fact]
    public void The_half_attainment_load_is_interpolated_between_the_loads_that_bracket_50_percent()
    {
        Assert.Equal(0.875, SloHeadline.HalfAttainmentLoad([Attaining(0.5, 0.9), Attaining(0.75, 0.6), Attaining(1.0, 0.4), Attaining(1.25, 0.1)]));
        Assert.Equal(1.0, SloHeadline.HalfAttainmentLoad([Attaining(1.0, 0.5), Attaining(0.5, 0.8), Attaining(1.5, 0.2)]));   // in any order
        Assert.Null(SloHeadline.HalfAttainmentLoad([Attaining(0.5, 0.45), Attaining(1.0, 0.3)]));                             // never reaches 50 %
        Assert.Null(SloHeadline.HalfAttainmentLoad([Attaining(0.5, 0.9), Attaining(1.0, 0.7)]));
    }

    private static SloPoint Point(string policy, double load, double attainment, double p95 = 1) =>
        new(policy, load, load, attainment, 0.04, 0, new LatencySummary(10, 0.5, p95, p95), LatencySummary.Of([]), new LatencySummary(4, 0.5, p95, p95),
            new LatencySummary(3, 0.5, p95, p95), 1, 0);

    [Fact]
    public void The_gain_is_read_where_fcfs_crosses_50_percent_with_every_policy_interpolated_there()
    {
        SloPoint[] points =
        [
            Point("request-fcfs", 1.0, 0.6), Point("request-fcfs", 1.2, 0.4),
            Point("iteration-fcfs", 1.0, 0.5, p95: 4), Point("iteration-fcfs", 1.2, 0.3),
            Point("cache-aware", 1.0, 0.9, p95: 2), Point("cache-aware", 1.2, 0.7),
            Point("edf", 1.0, 0.5, p95: 3), Point("edf", 1.2, 0.8),
        ];
        var report = SloHeadline.Summarise("test", 50, 80, 2, 0.01, 0.05, 2, points, 1);

        Assert.Equal(1.1, report.GainLoad);                           // halfway between 0.6 and 0.4
        Assert.Equal([1.0, 1.2], report.GainBracket);
        Assert.Equal("cache-aware", report.BestPolicy);
        Assert.Equal(0.8 / 0.5, report.SloAttainmentGain, 9);          // 0.9 and 0.7 interpolated to 0.8
        Assert.Equal(0.65 / 0.5, report.Policies.Single(p => p.Policy == "edf").SloAttainmentGain, 9);
        Assert.Equal(0.5, report.InteractiveP95Ratio, 9);              // at 1x: 2 s against iteration-level FCFS's 4 s
        // standard errors of 0.04 at both loads interpolate to 0.04 / √2 for each side of the ratio
        var side = 0.04 / Math.Sqrt(2);
        Assert.Equal(1.6 * Math.Sqrt(Math.Pow(side / 0.8, 2) + Math.Pow(side / 0.5, 2)), report.SloAttainmentGainStandardError, 9);

        var unbracketed = SloHeadline.Summarise("test", 50, 80, 2, 0.01, 0.05, 2,
            [.. points.Where(p => p.Load == 1.0)], 1);                // no second load: read where FCFS is closest to 50 %
        Assert.Equal((1.0, 1.5), (unbracketed.GainLoad, unbracketed.SloAttainmentGain));
        Assert.Empty(unbracketed.GainBracket);
    }

    [Fact]
    public void Percentiles_take_the_sample_at_or_above_the_rank()
    {
        var summary = LatencySummary.Of(Enumerable.Range(1, 100).Select(i => (double)i));
        Assert.Equal((100, 50.0, 95.0, 99.0), (summary.Count, summary.P50, summary.P95, summary.P99));
        Assert.True(double.IsNaN(LatencySummary.Of([]).P95));
    }

    [OwnModelsFact]
    public async Task A_tiny_sweep_measures_every_policy_through_the_engine()
    {
        var options = new SloBenchOptions { RequestsPerPoint = 6, Repeats = 2, Steps = 4, Loads = [1.0, 2.0], ExpansionTokens = 4 };
        var report = await new Diffusion.Lab.Slo.SloBench(own.Pipeline!, own.Root!, options, null).RunAsync("test", CancellationToken.None);

        Assert.Equal(["request-fcfs", "iteration-fcfs", "edf", "least-slack", "cache-aware"], report.Points.Select(p => p.Policy).Distinct());
        var loads = report.Points.Where(p => p.Policy == "request-fcfs").Select(p => p.Load).ToArray();
        Assert.InRange(loads.Length, 2, 3);                     // the grid, and the load where FCFS crosses 50 % when it does between them
        Assert.All(report.Points.GroupBy(p => p.Policy), g => Assert.Equal(loads, g.Select(p => p.Load)));
        Assert.True(report.StandaloneStepSeconds > 0 && report.CapacityPerSecond > 0);
        Assert.All(report.Points, p =>
        {
            Assert.InRange(p.SloAttainment, 0, 1);
            Assert.True(p.ThroughputPerSecond > 0);
            Assert.Equal(2 * 6, p.Interactive.Count + p.Batch.Count);                              // both repeats pooled
            Assert.True(p.ExpandedInteractive.Count <= p.Expanded.Count && p.ExpandedInteractive.Count <= p.Interactive.Count);
            // either part may fit to 0 on a few noisy iterations; a lone iteration still costs something
            Assert.True(p.FittedJobStepMs >= 0 && p.FittedOverheadMs >= 0 && p.FittedOverheadMs + p.FittedJobStepMs > 0,
                $"{p.Policy}: the learned costs are {p.FittedOverheadMs} + {p.FittedJobStepMs} ms");
        });
        // whether anything met its due time depends on the machine's load; the gain is defined either way
        Assert.True(report.SloAttainmentGain >= 0, $"gain {report.SloAttainmentGain}");
        Assert.Equal(report.SloAttainmentGain, report.Policies.Single(p => p.Policy == report.BestPolicy).SloAttainmentGain);
        Assert.Equal(options.Loads.Count, report.Probe.Count);        // the baseline's probe, one repeat per sweep load
        Assert.DoesNotContain(report.BestPolicy, new[] { "request-fcfs", "iteration-fcfs" });
    }

    private static readonly SimulatedCosts Cpu = new(OverheadMs: 0, JobStepMs: 15, LlmIterationMs: 4);

    private static Task<SloBenchReport> SimulateAsync(SloBenchOptions options) =>
        new SloSweep(options, Cpu.Step, TimeSpan.FromMilliseconds(Cpu.LlmIterationMs) * options.ExpansionTokens,
            (scheduler, requests) => Task.FromResult(SloSimulation.Run(scheduler, requests, options, Cpu)), null).RunAsync("simulated", CancellationToken.None);

    [Fact]
    public async Task A_simulated_sweep_plays_the_real_scheduler_on_a_virtual_clock()
    {
        // a mix of its own, so the margins below do not move with the recorded cache bench's
        var options = new SloBenchOptions { RequestsPerPoint = 60, Repeats = 2, Loads = [0.5, 1.5], HitMix = [(10, 0.91), (15, 0.05)] };
        var report = await SimulateAsync(options);

        Assert.Equal(["request-fcfs", "iteration-fcfs", "edf", "least-slack", "cache-aware"], report.Points.Select(p => p.Policy).Distinct());
        Assert.All(report.Points, p => Assert.Equal(2 * 60, p.Interactive.Count + p.Batch.Count));   // every request finished
        // no policy serves faster than the work it was given: a request's latency is at least its own work alone
        Assert.All(report.Points, p => Assert.True(p.Interactive.P50 >= 0.5 * 40 * 0.015 * 0.9, $"{p.Policy} at {p.Load}x: p50 {p.Interactive.P50} s"));
        double At(string policy, double load) => report.Points.Single(p => p.Policy == policy && p.Load == load).SloAttainment;
        Assert.True(At("request-fcfs", 1.5) < At("request-fcfs", 0.5));
        // overloaded, the deadline-aware policies keep more requests in time than serving in arrival order does
        Assert.True(At("cache-aware", 1.5) > At("request-fcfs", 1.5) + 0.1, $"{At("cache-aware", 1.5)} against {At("request-fcfs", 1.5)}");
        Assert.True(report.Points.Where(p => p.Policy == "least-slack").Sum(p => p.Pauses) > 0);   // it paused work at step boundaries
        // a batch of n costs n steps here: the pausing policies measured pairs at about two lone steps, so they step alone
        Assert.All(report.Points.Where(p => p.Load == 1.5 && p.Policy is "least-slack" or "cache-aware"),
            p => Assert.InRange(p.PairCost ?? 0, 1.8, 2.2));

        var again = await SimulateAsync(options);                       // the virtual clock and its jitter are seeded: a replay agrees
        Assert.Equal(report.Points.Select(p => (p.SloAttainment, p.Interactive.P95)), again.Points.Select(p => (p.SloAttainment, p.Interactive.P95)));
    }

    [Fact]
    public void Measured_batch_costs_price_each_size_and_extend_by_the_last_step()
    {
        var costs = SimulatedCosts.Measured([8, 14, 19], llmIterationMs: 4).Validate();
        Assert.Equal([8.0, 14, 19, 24, 29], Enumerable.Range(1, 5).Select(costs.DiffusionMs));
        Assert.Equal(TimeSpan.FromMilliseconds(8), costs.Step);
        Assert.Equal(24, new SimulatedCosts(4, 10, 4).DiffusionMs(2));                 // without them, the line
        Assert.Throws<ArgumentException>(() => SimulatedCosts.Measured([8, -1], 4).Validate());
        Assert.Throws<ArgumentException>(() => SimulatedCosts.Measured([], 4).Validate());
        Assert.Throws<ArgumentException>(() => SimulatedCosts.Measured([8, double.NaN], 4).Validate());
    }

    [Fact]
    public void Simulated_prices_are_validated()
    {
        Assert.Throws<ArgumentException>(() => new SimulatedCosts(-1, 10, 4).Validate());
        Assert.Throws<ArgumentException>(() => new SimulatedCosts(0, 0, 4).Validate());
        Assert.Throws<ArgumentException>(() => new SimulatedCosts(0, 10, 4, Jitter: 1).Validate());
        Assert.Equal(TimeSpan.FromMilliseconds(12), new SimulatedCosts(2, 10, 4).Validate().Step);
    }

    [Fact]
    public void Slow_spells_slow_a_share_of_the_spans_and_draw_alike_for_the_same_seed()
    {
        var spells = new SlowSpells(Factor: 2, Share: 0.25, Seconds: 2).Validate();
        var factors = Enumerable.Range(0, 4000).Select(i => spells.FactorAt(TimeSpan.FromSeconds(2 * i + 0.5), seed: 7)).ToList();
        Assert.All(factors, f => Assert.Contains(f, new[] { 1.0, 2.0 }));
        Assert.InRange(factors.Count(f => f == 2) / 4000.0, 0.22, 0.28);
        Assert.Equal(spells.FactorAt(TimeSpan.FromSeconds(6.1), 7), spells.FactorAt(TimeSpan.FromSeconds(7.9), 7));   // one span, one factor
        Assert.Equal(factors, Enumerable.Range(0, 4000).Select(i => spells.FactorAt(TimeSpan.FromSeconds(2 * i + 1.5), seed: 7)));
        Assert.Equal(1, new SimulatedCosts(0, 10, 4).SlowdownAt(TimeSpan.FromSeconds(3), 7));   // none given: never slower
        Assert.Throws<ArgumentException>(() => new SimulatedCosts(0, 10, 4) { Spells = new SlowSpells(0.5, 0.2, 2) }.Validate());
        Assert.Throws<ArgumentException>(() => new SlowSpells(2, 1.5, 2).Validate());
        Assert.Throws<ArgumentException>(() => new SlowSpells(2, 0.2, 0).Validate());
    }
}
