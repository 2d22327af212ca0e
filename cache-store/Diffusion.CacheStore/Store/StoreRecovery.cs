using Microsoft.Extensions.Logging;

namespace Diffusion.CacheStore;

/// <summary>What recovery found and did when the store opened.</summary>
public sealed record RecoveryReport(
    bool MetadataAvailable,
    bool DeviceListed,
    int LeftoversRemoved,
    int CorruptDiscarded,
    int OrphansDeleted,
    int OrphansKept,
    int MetadataDropped,
    int EntriesLoaded,
    int LatentsLoaded);

/// <summary>
/// Start-up recovery: removes leftovers of interrupted writes, verifies every latent (header and
/// checksum) and discards bad ones, then reconciles both ways — metadata without a valid latent is
/// dropped, a latent without metadata is deleted — and loads what survives into the index.
/// </summary>
internal static class StoreRecovery
{
    public static async Task<RecoveryReport> RunAsync(StoreContext context, CancellationToken cancellationToken)
    {
        var logger = context.Logger;
        int leftovers = 0;
        try
        {
            leftovers = await context.Device.RemoveLeftoversAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            logger.LogWarning("Cannot remove leftovers of interrupted latent writes: {Message}", ex.Message);
        }
        if (leftovers > 0)
        {
            logger.LogInformation("Removed {Count} leftover temporary latent files of interrupted writes", leftovers);
        }

        var load = await context.Metadata.LoadAllAsync(cancellationToken).ConfigureAwait(false);
        if (load.Status != MetadataStatus.Ok)
        {
            // Without metadata nothing can be reconciled; deleting latents now could wipe a shared cache.
            logger.LogWarning("Cache metadata is unavailable: starting with an empty index; stored latents are kept for a later start");
            return new RecoveryReport(false, false, leftovers, 0, 0, 0, 0, 0, 0);
        }

        var (listed, valid, corrupt) = await VerifyDeviceAsync(context, cancellationToken).ConfigureAwait(false);

        var kept = new List<CacheEntryMetadata>();
        int dropped = 0;
        foreach (var entry in load.Entries)
        {
            var latents = new List<StoredLatentInfo>();
            foreach (var latent in entry.Latents)
            {
                var key = new LatentKey(entry.Key, latent.K);
                if (!listed)
                {
                    latents.Add(latent); // Unverified for now; every read still verifies its file.
                }
                else if (valid.Remove(key, out var file))
                {
                    latents.Add(latent with { Bytes = file.Bytes });
                }
                else
                {
                    logger.LogWarning("Cache metadata lists latent {Key} but no valid file exists; dropping it", key);
                    context.Counters.Count(await context.Metadata.RemoveLatentAsync(key, cancellationToken).ConfigureAwait(false));
                    dropped++;
                }
            }
            if (latents.Count == 0)
            {
                context.Counters.Count(await context.Metadata.RemoveEntryAsync(entry.Key, cancellationToken).ConfigureAwait(false));
                continue;
            }
            kept.Add(entry with { Latents = latents });
        }

        var (orphansDeleted, orphansKept) = await RemoveOrphansAsync(context, valid, cancellationToken).ConfigureAwait(false);
        context.Catalog.Load(kept);
        return new RecoveryReport(true, listed, leftovers, corrupt, orphansDeleted, orphansKept, dropped,
            kept.Count, kept.Sum(e => e.Latents.Count));
    }

    private static async Task<(bool Listed, Dictionary<LatentKey, (long Bytes, DateTimeOffset WrittenAt)> Valid, int Corrupt)> VerifyDeviceAsync(
        StoreContext context, CancellationToken cancellationToken)
    {
        var valid = new Dictionary<LatentKey, (long Bytes, DateTimeOffset WrittenAt)>();
        int corrupt = 0;
        try
        {
            await foreach (var key in context.Device.ListAsync(cancellationToken).ConfigureAwait(false))
            {
                byte[]? blob = await context.Device.ReadAsync(key, cancellationToken).ConfigureAwait(false);
                if (blob is null)
                {
                    continue;
                }
                var status = LatentFileFormat.Verify(blob, out var header);
                string problem = status == LatentFileStatus.Ok && header!.Key != key
                    ? $"its header names {header.Key}"
                    : status.ToString();
                if (status != LatentFileStatus.Ok || header!.Key != key)
                {
                    context.Logger.LogWarning("Discarding corrupt latent {Key} ({Bytes} bytes): {Problem}", key, blob.Length, problem);
                    await context.Device.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                    StoreCounters.Increment(ref context.Counters.CorruptDiscarded);
                    corrupt++;
                    continue;
                }
                valid[key] = (blob.Length, header.WrittenAt);
            }
        }
        catch (IOException ex)
        {
            context.Logger.LogWarning("Cannot scan stored latents ({Message}); keeping the metadata unverified", ex.Message);
            return (false, valid, corrupt);
        }
        return (true, valid, corrupt);
    }

    private static async Task<(int Deleted, int Kept)> RemoveOrphansAsync(
        StoreContext context, Dictionary<LatentKey, (long Bytes, DateTimeOffset WrittenAt)> orphans, CancellationToken cancellationToken)
    {
        int deleted = 0, kept = 0;
        var now = context.Time.GetUtcNow();
        foreach (var (key, file) in orphans)
        {
            // On a shared device a young orphan may be another instance's write whose metadata is on its way.
            if (context.Device.IsShared && now - file.WrittenAt < context.Options.OrphanGracePeriod)
            {
                kept++;
                continue;
            }
            try
            {
                await context.Device.DeleteAsync(key, cancellationToken).ConfigureAwait(false);
                context.Logger.LogInformation("Deleted latent {Key}: no metadata lists it", key);
                deleted++;
            }
            catch (IOException ex)
            {
                context.Logger.LogWarning("Cannot delete latent {Key} without metadata: {Message}", key, ex.Message);
            }
        }
        return (deleted, kept);
    }
}
