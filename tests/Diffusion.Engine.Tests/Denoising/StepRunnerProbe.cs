using Diffusion.Engine.Scheduling;

namespace Diffusion.Engine.Tests.Denoising;

/// <summary>
/// Wraps the real UNet runner: records which jobs at which steps each iteration batched, and, while
/// <see cref="Gated"/>, lets one iteration run per permit so a test can make jobs meet at different steps.
/// </summary>
internal sealed class StepRunnerProbe(IDiffusionStepRunner inner) : IDiffusionStepRunner
{
    private readonly object _lock = new();
    private readonly List<IReadOnlyList<(RequestId Request, int Step)>> _batches = new();

    public SemaphoreSlim Gate { get; } = new(0);

    public bool Gated { get; set; }

    public IReadOnlyList<IReadOnlyList<(RequestId Request, int Step)>> Batches
    {
        get
        {
            lock (_lock)
            {
                return _batches.ToList();
            }
        }
    }

    public async ValueTask<DiffusionBatchOutput> RunStepAsync(DiffusionBatchPlan batch, CancellationToken cancellationToken)
    {
        if (Gated)
        {
            Assert.True(await Gate.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken), "the test never opened the gate");
        }

        lock (_lock)
        {
            _batches.Add(batch.Steps.Select(s => (s.Request, s.Step)).ToList());
        }

        return await inner.RunStepAsync(batch, cancellationToken);
    }

    /// <summary>Lets every further iteration run.</summary>
    public void Open()
    {
        Gated = false;
        Gate.Release(1000);
    }
}
