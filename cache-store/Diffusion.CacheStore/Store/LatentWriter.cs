using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Diffusion.CacheStore;

/// <summary>
/// The background writer: the request path queues commands and returns at once; this loop encodes,
/// makes room, writes atomically, then records metadata. A full queue drops the write (counted) rather
/// than blocking a request. Device failures drop the write with a log line and a counter.
/// </summary>
internal sealed class LatentWriter
{
    private readonly StoreContext _context;
    private readonly LatentEvictor _evictor;
    private readonly Channel<StoreCommand> _channel;
    private int _wakeQueued;
    private Task? _loop;

    public LatentWriter(StoreContext context, LatentEvictor evictor)
    {
        _context = context;
        _evictor = evictor;
        _channel = Channel.CreateBounded<StoreCommand>(new BoundedChannelOptions(context.Options.WriteQueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of blocking; flushes may wait.
        });
    }

    public void Start() => _loop = Task.Run(RunAsync);

    public bool TryEnqueue(StoreCommand command) => _channel.Writer.TryWrite(command);

    /// <summary>Nudges the loop to persist hits or deletions; at most one nudge waits at a time.</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _wakeQueued, 1) == 0 && !_channel.Writer.TryWrite(WakeCommand.Instance))
        {
            // The queue is full, so the loop is busy and will do the housekeeping after its next command anyway.
            Volatile.Write(ref _wakeQueued, 0);
        }
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _channel.Writer.WriteAsync(new FlushCommand(done), cancellationToken).ConfigureAwait(false);
        await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops accepting commands and finishes everything already queued.</summary>
    public async Task CompleteAsync()
    {
        _channel.Writer.TryComplete();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        await foreach (var command in _channel.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            try
            {
                switch (command)
                {
                    case WriteLatentCommand write:
                        await WriteAsync(write).ConfigureAwait(false);
                        break;
                    case ImageEmbeddingCommand image:
                        await SetImageEmbeddingAsync(image).ConfigureAwait(false);
                        break;
                    case WakeCommand:
                        Volatile.Write(ref _wakeQueued, 0);
                        break;
                    case FlushCommand:
                        break;
                    default:
                        throw new InvalidOperationException($"The latent writer has no handler for {command.GetType().Name}.");
                }
                await HousekeepAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // A bug in one command must not stop all later writes; it is logged loudly instead.
                _context.Logger.LogError(ex, "The latent writer failed on {Command}", command.GetType().Name);
            }
            finally
            {
                if (command is FlushCommand flush)
                {
                    flush.Done.TrySetResult();
                }
            }
        }
        await HousekeepAsync().ConfigureAwait(false);
    }

    private async Task WriteAsync(WriteLatentCommand write)
    {
        var key = write.Key;
        bool reserved = false;
        long bytes = LatentFileFormat.FileLength(write.Length, write.Shape.Length, key.Tenant);
        try
        {
            var values = write.Values.AsMemory(0, write.Length);
            int bad = IndexOfNonFloat16(values.Span);
            if (bad >= 0)
            {
                StoreCounters.Increment(ref _context.Counters.WritesRejected);
                _context.Logger.LogWarning("Not caching latent {Key}: value {Value} at index {Index} is not a finite fp16 number", key, values.Span[bad], bad);
                return;
            }
            if (_context.Catalog.Contains(key))
            {
                return; // Another instance stored it meanwhile.
            }
            if (_context.Catalog.IsPendingDeletion(key))
            {
                await _evictor.DeletePendingAsync(CancellationToken.None).ConfigureAwait(false);
                if (_context.Catalog.IsPendingDeletion(key))
                {
                    // Its old file could not be deleted yet; writing now would let that late delete remove the new one.
                    StoreCounters.Increment(ref _context.Counters.WritesRejected);
                    _context.Logger.LogWarning("Not caching latent {Key}: its previous file is still waiting to be deleted", key);
                    return;
                }
            }
            if (!await _evictor.ReserveAsync(bytes, CancellationToken.None).ConfigureAwait(false))
            {
                StoreCounters.Increment(ref _context.Counters.WritesRejected);
                _context.Logger.LogWarning("Not caching latent {Key}: no room can be made for {Bytes} bytes", key, bytes);
                return;
            }
            reserved = true;

            var now = _context.Time.GetUtcNow();
            byte[] file = LatentFileFormat.Encode(key, values.Span, write.Shape, now);
            try
            {
                if (!await WriteWithinSharedBudgetAsync(key, file).ConfigureAwait(false))
                {
                    StoreCounters.Increment(ref _context.Counters.WritesRejected);
                    _context.Logger.LogWarning("Not caching latent {Key}: no room can be made in the shared budget for {Bytes} bytes", key, bytes);
                    return;
                }
            }
            catch (IOException ex)
            {
                StoreCounters.Increment(ref _context.Counters.WritesFailed);
                _context.Logger.LogError("Dropped latent {Key}: the device write failed: {Message}", key, ex.Message);
                return;
            }

            var (snapshot, latent, newEntry) = _context.Catalog.Commit(write.Entry, write.K, bytes, now);
            reserved = false;
            StoreCounters.Increment(ref _context.Counters.WritesCompleted);
            _context.Counters.Count(await _context.Metadata.PutLatentAsync(snapshot, latent, CancellationToken.None).ConfigureAwait(false));
            if (newEntry)
            {
                _context.Events.RaiseAdded(snapshot);
            }
        }
        finally
        {
            if (reserved)
            {
                _context.Catalog.ReleaseReservation(bytes);
            }
            _context.Catalog.EndQueuedWrite(key);
            write.ReturnBuffer();
        }
    }

    /// <summary>
    /// Writes the blob; a shared device refuses a write that would take the store over its budget counted across
    /// every instance (this catalog's view lags the others' writes by the update stream), and then this instance
    /// evicts what the device says is missing and tries again. False when no room could be made.
    /// </summary>
    private async Task<bool> WriteWithinSharedBudgetAsync(LatentKey key, byte[] file)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await _context.Device.WriteAsync(key, file, CancellationToken.None).ConfigureAwait(false);
                return true;
            }
            catch (LatentBudgetExceededException over) when (attempt < MaxSharedBudgetAttempts)
            {
                if (await _evictor.MakeRoomAsync(over.OverBytes, CancellationToken.None).ConfigureAwait(false) == 0)
                {
                    return false;
                }
            }
            catch (LatentBudgetExceededException)
            {
                return false;
            }
        }
    }

    /// <summary>Tries of one write against the shared budget; each evicts what the last refusal said was missing.</summary>
    private const int MaxSharedBudgetAttempts = 4;

    private async Task SetImageEmbeddingAsync(ImageEmbeddingCommand command)
    {
        if (_context.Catalog.SetImageEmbedding(command.Key, command.Embedding) is not { } snapshot)
        {
            return; // Its latents were never stored or are gone already.
        }
        _context.Counters.Count(await _context.Metadata.SetImageEmbeddingAsync(command.Key, command.Embedding, CancellationToken.None).ConfigureAwait(false));
        _context.Events.RaiseUpdated(snapshot);
    }

    private async Task HousekeepAsync()
    {
        if (_context.Catalog.HasPendingDeletions)
        {
            await _evictor.DeletePendingAsync(CancellationToken.None).ConfigureAwait(false);
        }
        if (_context.Catalog.HasPendingHits)
        {
            var hits = _context.Catalog.TakePendingHits();
            // Hits that cannot be persisted now are counted and kept in memory only.
            _context.Counters.Count(await _context.Metadata.RecordHitsAsync(hits, CancellationToken.None).ConfigureAwait(false));
        }
    }

    private static int IndexOfNonFloat16(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]) || MathF.Abs(values[i]) > LatentFileFormat.MaxFloat16)
            {
                return i;
            }
        }
        return -1;
    }
}
