using Diffusion.Engine.Scheduling;

namespace Diffusion.Lab.Serving;

/// <summary>
/// The engine's step runner with a hold: while a measurement holds it (scoring, flushing the store),
/// no denoising step starts, so bookkeeping that the lab excludes from latencies does not overlap
/// the steps it would otherwise be charged against. Lab only: the service never pauses its engine.
/// </summary>
public sealed class PausableStepRunner(IDiffusionStepRunner inner) : IDiffusionStepRunner
{
    private readonly SemaphoreSlim _turn = new(1, 1);

    public async ValueTask<DiffusionBatchOutput> RunStepAsync(DiffusionBatchPlan batch, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await inner.RunStepAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Waits for the step in progress to end and holds the next one back until the result is disposed.</summary>
    public async Task<IDisposable> HoldAsync(CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Hold(_turn);
    }

    private sealed class Hold(SemaphoreSlim turn) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                turn.Release();
            }
        }
    }
}
