using Microsoft.Extensions.Logging;

namespace Diffusion.CacheStore;

/// <summary>
/// The eviction mechanism: makes room within the byte budget by asking the policy for victims and
/// removing them (index first, then metadata, then the file). Runs only on the writer's loop or during
/// recovery, so admissions never race each other.
/// </summary>
internal sealed class LatentEvictor(StoreContext context)
{
    /// <summary>Reserves <paramref name="bytes"/> within the budget, evicting as needed; false when no room can be made.</summary>
    public async ValueTask<bool> ReserveAsync(long bytes, CancellationToken cancellationToken)
    {
        if (bytes > context.MaxBytes)
        {
            return false;
        }
        while (!context.Catalog.TryReserve(bytes, context.MaxBytes))
        {
            long need = context.Catalog.UsedBytes + bytes - context.MaxBytes;
            if (await FreeAsync(need, cancellationToken).ConfigureAwait(false) == 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Evicts until the store is within budget again (after the budget shrank between runs).</summary>
    public async ValueTask EvictToBudgetAsync(CancellationToken cancellationToken)
    {
        long over = context.Catalog.UsedBytes - context.MaxBytes;
        while (over > 0 && await FreeAsync(over, cancellationToken).ConfigureAwait(false) > 0)
        {
            over = context.Catalog.UsedBytes - context.MaxBytes;
        }
    }

    /// <summary>Evicts at least <paramref name="bytes"/> more (a shared device said the store is over by that much); returns the bytes freed.</summary>
    public ValueTask<long> MakeRoomAsync(long bytes, CancellationToken cancellationToken) => FreeAsync(bytes, cancellationToken);

    /// <summary>Deletes the files of latents already removed from the index; returns the bytes freed.</summary>
    public async ValueTask<long> DeletePendingAsync(CancellationToken cancellationToken)
    {
        long freed = 0;
        foreach (var (key, bytes) in context.Catalog.PendingDeletions())
        {
            if (await DeleteAsync(key, cancellationToken).ConfigureAwait(false))
            {
                freed += bytes;
            }
        }
        return freed;
    }

    private async ValueTask<long> FreeAsync(long need, CancellationToken cancellationToken)
    {
        long freed = await DeletePendingAsync(cancellationToken).ConfigureAwait(false);
        if (freed >= need)
        {
            return freed;
        }
        var candidates = context.Catalog.Candidates();
        foreach (var victim in context.Policy.OrderVictims(candidates, context.Time.GetUtcNow()))
        {
            if (freed >= need)
            {
                break;
            }
            if (context.Catalog.Remove(victim.Key, awaitDeletion: true) is not { } removed)
            {
                continue;
            }
            StoreCounters.Increment(ref context.Counters.Evictions);
            if (removed.EntryRemoved)
            {
                context.Events.RaiseRemoved(victim.Key.Entry);
            }
            if (await DeleteAsync(victim.Key, cancellationToken).ConfigureAwait(false))
            {
                freed += removed.Bytes;
            }
        }
        return freed;
    }

    /// <summary>Metadata goes before the file, so a crash in between leaves only a file without metadata.</summary>
    private async ValueTask<bool> DeleteAsync(LatentKey key, CancellationToken cancellationToken)
    {
        context.Counters.Count(await context.Metadata.RemoveLatentAsync(key, cancellationToken).ConfigureAwait(false));
        if (!context.Catalog.HasEntry(key.Entry))
        {
            context.Counters.Count(await context.Metadata.RemoveEntryAsync(key.Entry, cancellationToken).ConfigureAwait(false));
        }
        try
        {
            await context.Device.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            // Its bytes stay counted until a later attempt succeeds, so the budget still holds.
            context.Logger.LogWarning("Cannot delete latent {Key} yet: {Message}", key, ex.Message);
            return false;
        }
        context.Catalog.CompleteDeletion(key);
        return true;
    }
}
