using Microsoft.Extensions.Logging;

namespace Diffusion.CacheStore;

/// <summary>
/// Raises the store's events. A throwing handler is logged and does not stop the writer or the
/// change watcher: the store's own work must go on.
/// </summary>
internal sealed class StoreEvents(ILogger logger)
{
    public event Action<CacheEntryMetadata>? EntryAdded;
    public event Action<CacheEntryKey>? EntryRemoved;
    public event Action<CacheEntryMetadata>? EntryUpdated;

    public void RaiseAdded(CacheEntryMetadata entry) => Raise(EntryAdded, entry, nameof(EntryAdded));

    public void RaiseRemoved(CacheEntryKey key) => Raise(EntryRemoved, key, nameof(EntryRemoved));

    public void RaiseUpdated(CacheEntryMetadata entry) => Raise(EntryUpdated, entry, nameof(EntryUpdated));

    private void Raise<T>(Action<T>? handlers, T argument, string name)
    {
        if (handlers is null)
        {
            return;
        }
        foreach (var handler in handlers.GetInvocationList().Cast<Action<T>>())
        {
            try
            {
                handler(argument);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "A {Event} handler failed for {Argument}", name, argument);
            }
        }
    }
}
