using Diffusion.CacheStore;

namespace Diffusion.Server.Idempotency;

/// <summary>Idempotency keys of one instance, in memory; entries lapse with their lease or retention.</summary>
public sealed class MemoryIdempotencyStore(TimeProvider time) : IIdempotencyStore
{
    private const int SweepAbove = 10_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<(TenantId, string), Entry> _entries = [];

    public Task<IdempotencyClaim> ClaimAsync(TenantId tenant, string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (_entries.Count > SweepAbove)
            {
                foreach (var stale in _entries.Where(e => e.Value.Expires <= now).Select(e => e.Key).ToArray())
                {
                    _entries.Remove(stale);
                }
            }
            if (_entries.TryGetValue((tenant, key), out var entry) && entry.Expires > now)
            {
                return Task.FromResult(entry.Fingerprint != fingerprint ? IdempotencyClaim.Mismatch
                    : entry.Response is { } response ? new IdempotencyClaim(IdempotencyClaimStatus.Completed, response)
                    : IdempotencyClaim.InProgress);
            }
            _entries[(tenant, key)] = new Entry(fingerprint, now + lease, null);
            return Task.FromResult(IdempotencyClaim.Claimed);
        }
    }

    public Task<bool> RenewAsync(TenantId tenant, string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue((tenant, key), out var entry) && entry.Fingerprint == fingerprint && entry.Response is null)
            {
                _entries[(tenant, key)] = entry with { Expires = time.GetUtcNow() + lease };
                return Task.FromResult(true);
            }
            return Task.FromResult(false);
        }
    }

    public Task CompleteAsync(TenantId tenant, string key, string fingerprint, StoredResponse response, TimeSpan retention, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _entries[(tenant, key)] = new Entry(fingerprint, time.GetUtcNow() + retention, response);
        }
        return Task.CompletedTask;
    }

    public Task ReleaseAsync(TenantId tenant, string key, string fingerprint, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue((tenant, key), out var entry) && entry.Fingerprint == fingerprint && entry.Response is null)
            {
                _entries.Remove((tenant, key));
            }
        }
        return Task.CompletedTask;
    }

    private sealed record Entry(string Fingerprint, DateTimeOffset Expires, StoredResponse? Response);
}
