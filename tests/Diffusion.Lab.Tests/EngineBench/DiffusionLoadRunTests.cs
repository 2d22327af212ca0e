using Diffusion.Engine.Scheduling;
using Diffusion.Lab.EngineBench;

namespace Diffusion.Lab.Tests.EngineBench;

public sealed class DiffusionLoadRunTests
{
    // One job's iteration costs 1 s, two jobs' 1.5 s.
    private static readonly IterationCostModel Costs = new([0, 1.0, 1.5]);

    private static Task<DiffusionLoadResult> Run(BatchingMode mode) =>
        DiffusionLoadRun.RunAsync(mode, maxBatch: 2, DiffusionTrace.Explicit([0.0, 0.5], [8, 8], totalSteps: 10), rate: 1,
            new LatentShape(1, 2, 2), guided: false, (_, spec) => spec, Costs.AsRunner(), IterationClock.RunnerReported, default);

    [Fact]
    public async Task Iteration_level_lets_a_job_join_at_the_next_boundary()
    {
        // A runs alone (0 → 1); B, arrived at 0.5, joins: A's last and B's first step (1 → 2.5); B alone (2.5 → 3.5).
        DiffusionLoadResult r = await Run(BatchingMode.IterationLevel);
        Assert.Equal(3, r.Iterations);
        Assert.Equal(3.0, r.P95, 9);  // B: 3.5 − 0.5
        Assert.Equal(2.5, r.P50, 9);  // A
        Assert.Equal(2.75, r.MeanLatency, 9);
        Assert.Equal(2 / 3.5, r.Throughput, 9);
        Assert.Equal(4.0 / 3, r.MeanBatch, 9);
    }

    [Fact]
    public async Task Request_level_makes_a_job_wait_for_the_running_batch()
    {
        // A runs both its steps alone (0 → 2); B starts after it (2 → 4).
        DiffusionLoadResult r = await Run(BatchingMode.RequestLevel);
        Assert.Equal(4, r.Iterations);
        Assert.Equal(3.5, r.P95, 9);
        Assert.Equal(2.0, r.P50, 9);
        Assert.Equal(2 / 4.0, r.Throughput, 9);
        Assert.Equal(1.0, r.MeanBatch, 9);
    }

    [Fact]
    public void The_cost_model_covers_its_batch_sizes_only()
    {
        Assert.Equal(1.5, Costs.Seconds(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => Costs.Seconds(3));
        Assert.Throws<ArgumentException>(() => new IterationCostModel([0, 1, 0]));
    }
}
