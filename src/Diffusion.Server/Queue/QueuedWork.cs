using Diffusion.CacheStore;

namespace Diffusion.Server.Queue;

/// <summary>
/// One unit of work waiting in the <see cref="GenerationQueue"/>. Its owner's token can cancel it
/// while it waits (it then never runs) or while it runs.
/// </summary>
public abstract class QueuedWork(TenantId tenant, long enqueuedTimestamp, CancellationToken cancellationToken)
{
    /// <summary>Whose work it is, for the tenant's share of the queue.</summary>
    public TenantId Tenant { get; } = tenant;

    public long EnqueuedTimestamp { get; } = enqueuedTimestamp;
    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>Runs the work; <paramref name="waited"/> is its time in the queue.</summary>
    internal abstract Task RunAsync(TimeSpan waited, CancellationToken stoppingToken);

    /// <summary>The work will never run (its owner cancelled it, or the host is stopping).</summary>
    internal abstract void Abandon();
}

/// <summary>Queued work producing a <typeparamref name="T"/>, which the owner awaits through <see cref="Completion"/>.</summary>
public sealed class QueuedWork<T>(
    TenantId tenant,
    Func<TimeSpan, CancellationToken, Task<T>> execute,
    long enqueuedTimestamp,
    CancellationToken cancellationToken) : QueuedWork(tenant, enqueuedTimestamp, cancellationToken)
{
    private readonly TaskCompletionSource<T> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the result, the work's exception, or cancellation.</summary>
    public Task<T> Completion => completion.Task;

    internal override async Task RunAsync(TimeSpan waited, CancellationToken stoppingToken)
    {
        if (CancellationToken.IsCancellationRequested)
        {
            completion.TrySetCanceled(CancellationToken);
            return;
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken, stoppingToken);
        try
        {
            completion.TrySetResult(await execute(waited, linked.Token));
        }
        catch (OperationCanceledException ex) when (linked.IsCancellationRequested)
        {
            completion.TrySetCanceled(ex.CancellationToken);
        }
        catch (Exception ex)
        {
            // Not swallowed: the owner awaiting Completion receives it and decides the response.
            completion.TrySetException(ex);
        }
    }

    internal override void Abandon() => completion.TrySetCanceled(CancellationToken);
}
