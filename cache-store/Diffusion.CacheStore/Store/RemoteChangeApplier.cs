using Microsoft.Extensions.Logging;

namespace Diffusion.CacheStore;

/// <summary>
/// Replays other instances' changes from a shared backend into the local index and raises the same
/// events local changes raise, so the cache layer's FAISS replica follows every instance.
/// </summary>
internal sealed class RemoteChangeApplier(StoreContext context)
{
    private static readonly TimeSpan RestartDelay = TimeSpan.FromSeconds(1);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var change in context.Metadata.WatchAsync(cancellationToken).ConfigureAwait(false))
                {
                    Apply(change);
                }
                return; // A backend with nothing to watch ends its stream.
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return; // The store is closing.
            }
            catch (Exception ex)
            {
                // Keeping replicas in sync matters more than one bad event: log it and watch on.
                context.Logger.LogError(ex, "Replaying cache changes from other instances failed; resuming in {Delay}", RestartDelay);
                try
                {
                    await Task.Delay(RestartDelay, context.Time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public void Apply(MetadataChange change)
    {
        var key = new LatentKey(change.Key, change.K);
        switch (change.Kind)
        {
            case MetadataChangeKind.LatentAdded when change.Entry is not null && change.Latent is not null:
                if (context.Catalog.AddRemote(change.Entry, change.Latent) is { NewEntry: true } added)
                {
                    context.Events.RaiseAdded(added.Snapshot);
                }
                break;
            case MetadataChangeKind.LatentRemoved:
                if (context.Catalog.Remove(key, awaitDeletion: false) is { EntryRemoved: true })
                {
                    context.Events.RaiseRemoved(change.Key);
                }
                break;
            case MetadataChangeKind.Touched:
                context.Catalog.ApplyRemoteHits(key, change.Hits, change.At);
                break;
            case MetadataChangeKind.ImageEmbeddingSet when change.ImageEmbedding is not null:
                if (context.Catalog.SetImageEmbedding(change.Key, change.ImageEmbedding) is { } snapshot)
                {
                    context.Events.RaiseUpdated(snapshot);
                }
                break;
            default:
                context.Logger.LogWarning("Ignoring incomplete cache change {Kind} for {Key}", change.Kind, key);
                break;
        }
    }
}
