using Diffusion.Engine.Scheduling;

namespace Diffusion.Engine.Tests.Scheduling;

/// <summary>The cost model's fit of a diffusion iteration as overhead + jobs × per-job cost.</summary>
public sealed class StepCostModelTests
{
    private static StepCostModel Observed(Func<int, double> milliseconds, params int[] sizes)
    {
        var model = new StepCostModel(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(10));
        for (int round = 0; round < 40; round++)
        {
            foreach (int n in sizes)
            {
                model.ObserveDiffusion(n, TimeSpan.FromMilliseconds(milliseconds(n)));
            }
        }

        return model;
    }

    [Fact]
    public void On_a_cpu_a_batch_of_n_costs_n_steps_and_batching_is_not_cheap()
    {
        StepCostModel model = Observed(n => 10 * n, 1, 2, 3, 4);
        Assert.Equal(10, model.JobStep.TotalMilliseconds, 0.5);
        Assert.Equal(0, model.IterationOverhead.TotalMilliseconds, 0.5);
        Assert.False(model.BatchingIsCheap);
        Assert.Equal(300, model.Diffusion(10, 3).TotalMilliseconds, tolerance: 5.0);
    }

    [Fact]
    public void On_a_gpu_the_overhead_dominates_and_batching_is_cheap()
    {
        StepCostModel model = Observed(n => 8 + 0.5 * n, 1, 4, 2, 8);
        Assert.Equal(0.5, model.JobStep.TotalMilliseconds, 0.05);
        Assert.Equal(8, model.IterationOverhead.TotalMilliseconds, 0.2);
        Assert.True(model.BatchingIsCheap);
        Assert.Equal(10 * (8 + 0.5 * 4), model.Diffusion(10, 4).TotalMilliseconds, tolerance: 2.0);
    }

    [Fact]
    public void One_batch_size_alone_cannot_show_an_overhead_so_it_is_all_per_job()
    {
        var model = new StepCostModel(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(10));
        Assert.Equal((50.0, 0.0), (model.JobStep.TotalMilliseconds, model.IterationOverhead.TotalMilliseconds));   // the seed, before any iteration

        model = Observed(_ => 12, 1);
        Assert.Equal((12.0, 0.0), (Math.Round(model.JobStep.TotalMilliseconds, 6), model.IterationOverhead.TotalMilliseconds));
        Assert.False(model.BatchingIsCheap);
    }

    [Fact]
    public void A_long_run_of_one_size_keeps_the_overhead_learned_from_others()
    {
        StepCostModel model = Observed(n => 2 + 10 * n, 1, 2, 3);
        Assert.Equal(2, model.IterationOverhead.TotalMilliseconds, 0.01);
        for (int i = 0; i < 500; i++)
        {
            model.ObserveDiffusion(1, TimeSpan.FromMilliseconds(12));   // a queue drained one job at a time
        }

        Assert.Equal((2.0, 10.0), (Math.Round(model.IterationOverhead.TotalMilliseconds, 3), Math.Round(model.JobStep.TotalMilliseconds, 3)));
        Assert.False(model.BatchingIsCheap);
    }

    [Fact]
    public void Company_is_judged_by_a_pair_against_the_lone_step_of_the_same_seconds_so_slow_spells_cancel()
    {
        var model = new StepCostModel(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));
        Assert.Null(model.PairCost);
        Assert.False(model.CompanySavesLittle);   // unjudged: company is taken, so that it gets measured
        for (int i = 0; i < 3 * StepCostModel.PairsToJudge; i++)
        {
            double spell = i % 6 < 2 ? 2.5 : 1;   // a third of the time the machine runs 2.5 times slower
            model.ObserveDiffusion(1, TimeSpan.FromMilliseconds(8 * spell));    // 2 ms fixed + 6 ms per job
            model.ObserveDiffusion(2, TimeSpan.FromMilliseconds(14 * spell));
        }

        Assert.Equal(14.0 / 8, model.PairCost!.Value, 6);
        Assert.False(model.CompanySavesLittle);
    }

    [Fact]
    public void Stepping_alone_for_long_does_not_leave_an_old_slow_pair_judging_company()
    {
        // pairs measured in a slow spell read as no fixed part (2 × 14 ms against 12 ms alone later): the line's intercept is 0
        var model = new StepCostModel(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10));
        for (int i = 0; i < StepCostModel.PairsToJudge; i++)
        {
            model.ObserveDiffusion(1, TimeSpan.FromMilliseconds(14));
            model.ObserveDiffusion(2, TimeSpan.FromMilliseconds(28));
        }
        Assert.True(model.CompanySavesLittle);
        for (int i = 0; i < 200; i++)
        {
            model.ObserveDiffusion(1, TimeSpan.FromMilliseconds(8));
        }
        Assert.Equal(0, model.IterationOverhead.TotalMilliseconds, 0.01);   // the line still says company saves nothing
        Assert.Equal(CostProbe.Pair, model.ProbeDue);                       // but the pair is old, so it is measured again

        for (int i = 0; i < 2 * StepCostModel.PairsToJudge; i++)
        {
            model.ObserveDiffusion(2, TimeSpan.FromMilliseconds(14));   // the machine's pair now: 2 ms fixed + 6 ms per job
            model.ObserveDiffusion(1, TimeSpan.FromMilliseconds(8));
        }
        Assert.False(model.CompanySavesLittle);
        Assert.Equal(CostProbe.None, model.ProbeDue);
    }

    [Fact]
    public void A_policy_that_always_steps_together_still_measures_a_lone_step()
    {
        StepCostModel model = Observed(n => 2 + 6 * n, 1, 2);
        Assert.Equal(CostProbe.None, model.ProbeDue);
        for (int i = 0; i <= StepCostModel.FreshWithin; i++)
        {
            model.ObserveDiffusion(4, TimeSpan.FromMilliseconds(26));
        }
        Assert.Equal(CostProbe.LoneStep, model.ProbeDue);
    }
}
