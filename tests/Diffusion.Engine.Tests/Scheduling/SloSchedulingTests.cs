using Diffusion.Engine.Scheduling;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.Engine.Tests.Scheduling;

/// <summary>
/// The deadline-aware policies on scripted scenarios with a fixed cost model (one second per job-step) and a fake
/// clock that moves one second per iteration: admission control, the aging rule, step-boundary pauses.
/// </summary>
public sealed class SloSchedulingTests
{
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(1);

    private static (SchedulerHarness Harness, FakeTimeProvider Clock) Start(SchedulerOptions options)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 6, 12, 0, 0, TimeSpan.Zero));
        // the clock moves between iterations, never inside one, so the cost model keeps its fixed prices
        return (new SchedulerHarness(options, blocks: 256, time: clock, costs: new StepCostModel(Step, Step)), clock);
    }

    private static RequestOptions Interactive(FakeTimeProvider clock, double dueInSeconds) =>
        new() { Class = SloClass.Interactive, Due = clock.GetUtcNow() + TimeSpan.FromSeconds(dueInSeconds) };

    private static RequestOptions Batch => new() { Class = SloClass.Batch };

    private static void Iterate(SchedulerHarness h, FakeTimeProvider clock)
    {
        SchedulePlan plan = h.Step();
        // an iteration of n jobs costs n job-steps, as the cost model says
        clock.Advance(Step * Math.Max(1, plan.Diffusion?.Steps.Count ?? 1));
    }

    [Fact]
    public void Admission_never_lets_a_job_in_that_would_make_a_running_job_miss()
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.EarliestDeadline, MaxDiffusionBatch = 2 });
        using var harness = h;
        DiffusionJob urgent = h.AddDiffusion(10, options: Interactive(clock, 12));
        Iterate(h, clock);                        // 9 steps left, due in 11 s: alone it ends in 9 s

        DiffusionJob slow = h.AddDiffusion(10, options: Interactive(clock, 100));   // beside it: 9 × 2 s = 18 s, a miss
        DiffusionJob quick = h.AddDiffusion(2, options: Interactive(clock, 100));   // beside it: 2 × 2 s + 7 × 1 s = 11 s, in time
        while (urgent.State != RequestState.Finished)
        {
            Iterate(h, clock);
            Assert.DoesNotContain(h.Plans[^1].Diffusion!.Steps, s => s.Request == slow.Id);
        }

        Assert.True(urgent.FinishedTime <= urgent.Options.Due, $"finished {urgent.FinishedTime:O}, due {urgent.Options.Due:O}");
        Assert.Equal(RequestState.Finished, quick.State);  // the short job fitted beside it
        Assert.NotEqual(RequestState.Finished, slow.State);
        h.RunUntilIdle();
        Assert.Equal(RequestState.Finished, slow.State);   // and the long one ran once it harmed no one
        Assert.Equal(3, h.Scheduler.Counters.DueMet);
        Assert.Equal(0, h.Scheduler.Counters.DueMissed);

        // each result says how long its job queued in the engine before its first step
        var waited = h.Events.SelectMany(e => e.FinishedDiffusion).ToDictionary(r => r.Id, r => r.Waited);
        Assert.Equal(TimeSpan.Zero, waited[urgent.Id]);
        Assert.True(waited[slow.Id] > TimeSpan.FromSeconds(5), $"waited {waited[slow.Id]}: it was held back while the urgent job ran");
    }

    [Theory]
    [InlineData(SchedulingPolicy.EarliestDeadline)]
    [InlineData(SchedulingPolicy.LeastSlack)]
    [InlineData(SchedulingPolicy.CacheAware)]
    public void A_job_that_will_miss_anyway_does_not_run_ahead_of_one_that_can_still_make_it(SchedulingPolicy policy)
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = policy, MaxDiffusionBatch = 1, MaxResidentDiffusion = 2 });
        using var harness = h;
        DiffusionJob late = h.AddDiffusion(6, options: Interactive(clock, 5));      // alone it needs 6 s: a miss whatever runs
        DiffusionJob inTime = h.AddDiffusion(3, options: Interactive(clock, 6));    // due later, but 3 s of work makes it

        for (int i = 0; h.Scheduler.HasWork; i++)
        {
            Assert.True(i < 50, "the scheduler did not finish its work");
            Iterate(h, clock);
        }

        // earliest due first would have run the late job first, and the other would have missed too (9 s > 6 s); the late
        // one still ends within its late bound (10 s: one due window past its due time), so it never ages ahead
        Assert.True(inTime.FinishedTime <= inTime.Options.Due, $"finished {inTime.FinishedTime:O}, due {inTime.Options.Due:O}");
        Assert.Equal(inTime.Id, Assert.Single(h.Plans[0].Diffusion!.Steps).Request);
        Assert.Equal(RequestState.Finished, late.State);
        Assert.Equal((1L, 1L), (h.Scheduler.Counters.DueMet, h.Scheduler.Counters.DueMissed));
    }

    [Theory]
    [InlineData(SchedulingPolicy.EarliestDeadline)]
    [InlineData(SchedulingPolicy.LeastSlack)]
    [InlineData(SchedulingPolicy.CacheAware)]
    public void When_not_all_can_make_it_the_longest_is_shed_so_that_more_meet_their_due_time(SchedulingPolicy policy)
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = policy, MaxDiffusionBatch = 1, MaxResidentDiffusion = 3 });
        using var harness = h;
        // each makes its due time alone; earliest due first, the first ends at 4 s and the next two miss (7 s > 6, 8 s > 7)
        DiffusionJob longest = h.AddDiffusion(4, options: Interactive(clock, 5));
        DiffusionJob second = h.AddDiffusion(3, options: Interactive(clock, 6));
        DiffusionJob third = h.AddDiffusion(1, options: Interactive(clock, 7));

        for (int i = 0; h.Scheduler.HasWork; i++)
        {
            Assert.True(i < 50, "the scheduler did not finish its work");
            Iterate(h, clock);
        }

        // shedding the longest lets the other two end at 3 s and 4 s, both in time; the shed one still finishes
        Assert.True(second.FinishedTime <= second.Options.Due && third.FinishedTime <= third.Options.Due,
            $"finished {second.FinishedTime:O} and {third.FinishedTime:O}");
        Assert.Equal(RequestState.Finished, longest.State);
        Assert.True(longest.FinishedTime > longest.Options.Due);
        Assert.Equal((2L, 1L), (h.Scheduler.Counters.DueMet, h.Scheduler.Counters.DueMissed));
    }

    [Fact]
    public void Where_a_batch_costs_n_single_steps_late_jobs_step_one_at_a_time()
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 4 });
        using var harness = h;
        DiffusionJob first = h.AddDiffusion(4, options: Interactive(clock, 1));   // both will miss whatever runs
        DiffusionJob second = h.AddDiffusion(4, options: Interactive(clock, 2));

        for (int i = 0; h.Scheduler.HasWork; i++)
        {
            Assert.True(i < 50, "the scheduler did not finish its work");
            Iterate(h, clock);
            Assert.Single(h.Plans[^1].Diffusion!.Steps);
        }

        // one after the other: the first ends after its own 4 s instead of 8 s shared
        Assert.Equal(Enumerable.Repeat(first.Id, 4).Concat(Enumerable.Repeat(second.Id, 4)),
            h.Plans.Select(p => Assert.Single(p.Diffusion!.Steps).Request));
    }

    [Fact]
    public void Where_an_iteration_has_a_fixed_part_late_jobs_step_together_without_batch_work()
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 4 });
        using var harness = h;
        Teach(h.Scheduler.Costs, 1.2, 2.2);   // a CPU with a fixed part: 0.2 s + 1 s per job
        Assert.False(h.Scheduler.Costs.BatchingIsCheap);
        Assert.Equal(0.2, h.Scheduler.Costs.IterationOverhead.TotalSeconds, 6);

        DiffusionJob batch = h.AddDiffusion(4, options: Batch);
        DiffusionJob first = h.AddDiffusion(4, options: Interactive(clock, 1));   // both will miss whatever runs
        DiffusionJob second = h.AddDiffusion(4, options: Interactive(clock, 2));
        h.Step();

        // the late jobs share the fixed part; the batch job, a tier below them, would only slow them
        Assert.Equal(new[] { first.Id, second.Id }, h.Plans[^1].Diffusion!.Steps.Select(s => s.Request));
        Assert.NotEqual(RequestState.Finished, batch.State);
    }

    [Fact]
    public void Late_jobs_do_not_join_an_in_time_job_they_would_make_miss_even_where_they_step_together()
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 4 });
        using var harness = h;
        Teach(h.Scheduler.Costs, 1.2, 2.2);   // 0.2 s + 1 s per job: late work steps together

        DiffusionJob inTime = h.AddDiffusion(4, options: Interactive(clock, 5));   // alone 4.8 s; with one more, 8.8 s
        // late (4.8 s alone), yet within one due window past their due times, so they have not aged ahead
        h.AddDiffusion(4, options: Interactive(clock, 3));
        h.AddDiffusion(4, options: Interactive(clock, 3.5));
        h.Step();

        Assert.Equal(inTime.Id, Assert.Single(h.Plans[^1].Diffusion!.Steps).Request);
    }

    [Fact]
    public void Where_batching_is_cheap_late_jobs_step_together()
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 4 });
        using var harness = h;
        for (int n = 1; n <= 4; n++)
        {
            h.Scheduler.Costs.ObserveDiffusion(n, Step);    // a GPU: an iteration costs about the same at any size
            h.Scheduler.Costs.ObserveDiffusion(5 - n, Step);
        }

        Assert.True(h.Scheduler.Costs.BatchingIsCheap);
        h.AddDiffusion(4, options: Interactive(clock, 1));
        h.AddDiffusion(4, options: Interactive(clock, 2));
        h.Step();
        Assert.Equal(2, h.Plans[^1].Diffusion!.Steps.Count);
    }

    private static readonly TimeSpan AgingBound = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Starts one batch request under the policy, then feeds an interactive image of three steps every three seconds
    /// (the engine's whole capacity, no idle step to spare) until it finishes; returns how long it took.
    /// </summary>
    private static TimeSpan UnderInteractiveLoad(SchedulingPolicy policy, Func<SchedulerHarness, EngineRequest> addBatch)
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = policy, MaxDiffusionBatch = 1, MaxResidentDiffusion = 4, BatchAgingBound = AgingBound });
        using var harness = h;
        DateTimeOffset start = clock.GetUtcNow();
        EngineRequest batch = addBatch(h);
        for (int second = 0; batch.State != RequestState.Finished; second++)
        {
            Assert.True(second < 300, "the batch request starved");
            if (second % 3 == 0)
            {
                h.AddDiffusion(3, options: Interactive(clock, 4));
            }

            Iterate(h, clock);
        }

        return batch.FinishedTime!.Value - start;
    }

    [Theory]
    [InlineData(SchedulingPolicy.EarliestDeadline)]
    [InlineData(SchedulingPolicy.LeastSlack)]
    [InlineData(SchedulingPolicy.CacheAware)]
    public void A_batch_job_under_sustained_interactive_load_finishes_within_its_aging_bound(SchedulingPolicy policy)
    {
        TimeSpan took = UnderInteractiveLoad(policy, h => h.AddDiffusion(5, options: Batch));

        // The bound: the batch job is due at arrival + the aging bound and is ordered by that; it ends by then plus its
        // own work, plus one interactive job that a non-pausing policy lets finish first.
        Assert.True(took <= AgingBound + 5 * Step + 3 * Step, $"finished after {took}");
        Assert.True(took >= TimeSpan.FromSeconds(10), $"finished after {took}: it should have yielded to interactive work first");
    }

    [Theory]
    [InlineData(SchedulingPolicy.EarliestDeadline)]
    [InlineData(SchedulingPolicy.LeastSlack)]
    public void An_expansion_of_batch_work_is_not_starved_by_interactive_images(SchedulingPolicy policy)
    {
        // one kind's urgency decides every iteration: the expansion's four iterations (prefill and three tokens) run
        // once its aged due time comes first
        TimeSpan took = UnderInteractiveLoad(policy, h => h.AddLlm(4, new SamplingParams { MaxTokens = 3, IgnoreEos = true }, options: Batch));

        Assert.True(took <= AgingBound + 4 * Step + 3 * Step, $"finished after {took}");
        Assert.True(took >= TimeSpan.FromSeconds(10), $"finished after {took}: it should have yielded to the interactive images first");
    }

    /// <summary>
    /// A late interactive image (4 steps, due in 2 s) under a full interactive load that can all be met (3 steps due in
    /// 4 s, every 3 s); returns when it finished, or null if it had not after a minute.
    /// </summary>
    private static TimeSpan? LateUnderInteractiveLoad(SchedulingPolicy policy, double lateAgingWindows)
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = policy, MaxDiffusionBatch = 1, MaxResidentDiffusion = 4, LateAgingWindows = lateAgingWindows });
        using var harness = h;
        DateTimeOffset start = clock.GetUtcNow();
        DiffusionJob late = h.AddDiffusion(4, options: Interactive(clock, 2));
        for (int second = 0; late.State != RequestState.Finished && second < 60; second++)
        {
            if (second % 3 == 0)
            {
                h.AddDiffusion(3, options: Interactive(clock, 4));
            }

            Iterate(h, clock);
        }

        return late.State == RequestState.Finished ? late.FinishedTime!.Value - start : null;
    }

    [Theory]
    [InlineData(SchedulingPolicy.EarliestDeadline)]
    [InlineData(SchedulingPolicy.LeastSlack)]
    [InlineData(SchedulingPolicy.CacheAware)]
    public void A_late_interactive_request_under_sustained_in_time_load_finishes_within_its_late_bound(SchedulingPolicy policy)
    {
        // due 2 s after it arrived, so one due window past that is 4 s; it goes first once it could no longer make that
        // alone, which can pass the bound by the iteration in which it found out, and under EDF (which does not pause)
        // by the interactive job holding the one slot then
        TimeSpan? took = LateUnderInteractiveLoad(policy, lateAgingWindows: 1);
        TimeSpan slotHeld = policy == SchedulingPolicy.EarliestDeadline ? 3 * Step : TimeSpan.Zero;
        Assert.True(took <= TimeSpan.FromSeconds(4) + Step + slotHeld, $"finished after {took}");

        // without the rule, work that can still make it keeps arriving and the late request never runs
        Assert.Null(LateUnderInteractiveLoad(policy, lateAgingWindows: 0));
    }

    [Fact]
    public void The_late_bound_counts_the_due_window_from_when_the_caller_started_counting()
    {
        // an image job whose expansion took 6 s: due 2 s after the engine saw it, 8 s after the user asked, so its late
        // bound is 8 s past its due time (10 s from now), not 2 s (4 s from now)
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 1, MaxResidentDiffusion = 4 });
        using var harness = h;
        var level = new ServiceLevel(SloClass.Interactive, clock.GetUtcNow() - TimeSpan.FromSeconds(6));
        DiffusionJob late = h.AddDiffusion(5, options: level.Options(clock.GetUtcNow() + TimeSpan.FromSeconds(2)));
        DiffusionJob inTime = h.AddDiffusion(4, options: Interactive(clock, 4));
        for (int i = 0; i < 4; i++)
        {
            Iterate(h, clock);
        }

        // at 4 s it can still end by 10 s alone (4 + 5 s), so it waited for the in-time job; counted from the engine's
        // arrival it would have aged at once (5 s of work against a bound 4 s away) and run first
        Assert.Equal(RequestState.Finished, inTime.State);
        Assert.Equal(0, late.CurrentStep);
    }

    [Theory]
    [InlineData(SchedulingPolicy.LeastSlack, false)]
    [InlineData(SchedulingPolicy.CacheAware, true)]
    public void Cache_aware_serves_the_least_work_first_among_jobs_that_can_all_make_it(SchedulingPolicy policy, bool shortFirst)
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = policy, MaxDiffusionBatch = 1, MaxResidentDiffusion = 4 });
        using var harness = h;
        DiffusionJob miss = h.AddDiffusion(10, options: Interactive(clock, 30));   // slack 20 s
        DiffusionJob hit = h.AddDiffusion(2, options: Interactive(clock, 25));     // slack 23 s, but 2 steps left
        Iterate(h, clock);

        Assert.Equal(shortFirst ? hit.Id : miss.Id, Assert.Single(h.Plans[^1].Diffusion!.Steps).Request);
    }

    /// <summary>Lone steps and pairs alternate, as many as the cost model needs to judge company.</summary>
    private static void Teach(StepCostModel costs, double oneJob, double twoJobs)
    {
        for (int i = 0; i < StepCostModel.PairsToJudge; i++)
        {
            costs.ObserveDiffusion(1, TimeSpan.FromSeconds(oneJob));
            costs.ObserveDiffusion(2, TimeSpan.FromSeconds(twoJobs));
        }
    }

    [Theory]
    [InlineData(1.0, 2.0, 1)]   // no fixed part: company only slows the head
    [InlineData(1.2, 2.2, 2)]   // 0.2 s fixed per iteration: the other job joins, as it makes no one miss
    public void In_time_jobs_step_alone_where_an_iteration_has_almost_no_fixed_part(double oneJob, double twoJobs, int stepping)
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 4 });
        using var harness = h;
        Teach(h.Scheduler.Costs, oneJob, twoJobs);
        Assert.Equal(CostProbe.None, h.Scheduler.Costs.ProbeDue);

        h.AddDiffusion(4, options: Interactive(clock, 30));
        h.AddDiffusion(4, options: Interactive(clock, 40));
        h.Step();
        Assert.Equal(stepping, h.Plans[^1].Diffusion!.Steps.Count);
    }

    [Fact]
    public void Until_pairs_were_measured_jobs_step_in_pairs_so_that_company_gets_judged()
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 4 });
        using var harness = h;
        h.Scheduler.Costs.ObserveDiffusion(1, TimeSpan.FromSeconds(1));
        Assert.Equal(CostProbe.Pair, h.Scheduler.Costs.ProbeDue);
        for (int i = 0; i < 3; i++)
        {
            h.AddDiffusion(4, options: Interactive(clock, 30 + i));
        }

        h.Step();
        Assert.Equal(2, h.Plans[^1].Diffusion!.Steps.Count);   // a pair, though all three could have joined
    }

    [Fact]
    public void A_policy_stepping_alone_measures_a_pair_again_once_its_last_is_old()
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 4 });
        using var harness = h;
        Teach(h.Scheduler.Costs, 1.0, 2.0);
        for (int i = 0; i < StepCostModel.FreshWithin; i++)
        {
            h.Scheduler.Costs.ObserveDiffusion(1, TimeSpan.FromSeconds(1));
        }
        Assert.Equal(CostProbe.None, h.Scheduler.Costs.ProbeDue);
        h.Scheduler.Costs.ObserveDiffusion(1, TimeSpan.FromSeconds(1));
        Assert.Equal(CostProbe.Pair, h.Scheduler.Costs.ProbeDue);

        h.AddDiffusion(4, options: Interactive(clock, 30));
        h.AddDiffusion(4, options: Interactive(clock, 40));
        h.Step();
        Assert.Equal(2, h.Plans[^1].Diffusion!.Steps.Count);   // company saves little, yet the pair is measured again
    }

    [Fact]
    public void Under_fcfs_the_same_load_serves_in_arrival_order()
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.Fcfs, MaxDiffusionBatch = 1 });
        using var harness = h;
        DiffusionJob batch = h.AddDiffusion(5, options: Batch);
        for (int i = 0; i < 5; i++)
        {
            h.AddDiffusion(3, options: Interactive(clock, 4));
            Iterate(h, clock);
        }

        Assert.Equal(RequestState.Finished, batch.State);   // it came first, so it went first, whatever the due times
    }

    [Fact]
    public void Least_slack_pauses_batch_work_at_a_step_boundary_and_resumes_it()
    {
        var (h, clock) = Start(new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 1, MaxResidentDiffusion = 2 });
        using var harness = h;
        DiffusionJob batch = h.AddDiffusion(6, options: Batch);
        Iterate(h, clock);
        Iterate(h, clock);
        DiffusionJob interactive = h.AddDiffusion(3, options: Interactive(clock, 5));
        for (int i = 0; i < 3; i++)
        {
            Iterate(h, clock);
            Assert.Equal(interactive.Id, Assert.Single(h.Plans[^1].Diffusion!.Steps).Request);
        }

        Assert.Equal(RequestState.Finished, interactive.State);
        Assert.Equal(2, batch.CurrentStep);                 // paused where it was, still admitted
        Assert.Equal(RequestState.Running, batch.State);
        Assert.Equal(1, h.Scheduler.Counters.Pauses);
        h.RunUntilIdle();
        Assert.Equal(RequestState.Finished, batch.State);
        Assert.Equal(6, h.Events.SelectMany(e => e.DiffusionSteps).Count(s => s.Request == batch.Id));
    }
}
