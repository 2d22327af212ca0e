using Diffusion.Server.Generation;

namespace Diffusion.Server.Caching;

/// <summary>
/// The cache as the rest of the service sees it while <see cref="CacheStartup"/> opens it: <see cref="CacheState.Opening"/>
/// until it is ready or has failed (with the reason). Owns the opened cache and closes it with the host.
/// </summary>
public sealed class CacheReadiness : IAsyncDisposable
{
    private readonly TaskCompletionSource settled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile OpenedCache? opened;
    private volatile string? problem;

    public CacheState State =>
        opened is not null ? CacheState.Ready
        : problem is not null ? CacheState.Failed
        : CacheState.Opening;

    /// <summary>The open cache; null until <see cref="CacheState.Ready"/>.</summary>
    public OpenedCache? Opened => opened;

    /// <summary>Why the opening failed; null unless <see cref="CacheState.Failed"/>.</summary>
    public string? Problem => problem;

    /// <summary>
    /// The cache once it is open. Throws <see cref="GeneratorUnavailableException"/> (a 503 with the reason) when it
    /// could not be opened, and <see cref="OperationCanceledException"/> when the token fires. A host that stops during
    /// the opening does not end the wait itself: the waiter's own token does, which the stopping host cancels, so a job
    /// caught waiting is seen as interrupted by the stop (queued again at the next start), not as failed.
    /// </summary>
    public async Task<OpenedCache> WaitAsync(CancellationToken cancellationToken)
    {
        await settled.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return opened ?? throw new GeneratorUnavailableException($"the cache could not be opened: {problem}");
    }

    // Each field is written before the signal, so a waiter woken by it sees the outcome.
    internal void Open(OpenedCache cache)
    {
        opened = cache ?? throw new ArgumentNullException(nameof(cache));
        settled.SetResult();
    }

    internal void Fail(string reason)
    {
        problem = reason;
        settled.SetResult();
    }

    public ValueTask DisposeAsync() => opened?.DisposeAsync() ?? ValueTask.CompletedTask;
}
