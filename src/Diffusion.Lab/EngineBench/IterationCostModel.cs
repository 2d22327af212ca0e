using Diffusion.Engine;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Lab.EngineBench;

/// <summary>
/// Measured cost of one diffusion iteration by how many jobs it steps (index = jobs), from real iterations
/// of the UNet runner; it drives the fast simulated runs that locate each mode's SLO rate.
/// </summary>
public sealed class IterationCostModel
{
    private readonly double[] _seconds;

    public IterationCostModel(IReadOnlyList<double> secondsByJobs)
    {
        if (secondsByJobs.Count < 2 || secondsByJobs.Skip(1).Any(s => !(s > 0)))
        {
            throw new ArgumentException("the cost model needs a positive time for 1..n jobs (index 0 unused)");
        }

        _seconds = secondsByJobs.ToArray();
    }

    public int MaxJobs => _seconds.Length - 1;

    public IReadOnlyList<double> SecondsByJobs => _seconds;

    public double Seconds(int jobs)
    {
        if (jobs < 1 || jobs > MaxJobs)
        {
            throw new ArgumentOutOfRangeException(nameof(jobs), jobs, $"the model covers 1..{MaxJobs} jobs");
        }

        return _seconds[jobs];
    }

    /// <summary>A step runner that does no math and reports the modelled time of the batch.</summary>
    public IDiffusionStepRunner AsRunner() => new ModelledRunner(this);

    private sealed class ModelledRunner(IterationCostModel model) : IDiffusionStepRunner
    {
        public ValueTask<DiffusionBatchOutput> RunStepAsync(DiffusionBatchPlan batch, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new DiffusionBatchOutput(TimeSpan.FromSeconds(model.Seconds(batch.Steps.Count))));
    }
}
