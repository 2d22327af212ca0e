using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Diffusion.CacheStore;

/// <summary>
/// Shared metadata in Redis: one hash per entry, an LCBFU sorted set per tenant (score = hits × K),
/// per-K hit counters bumped with HINCRBY, and an update stream (XADD) of added / removed / touched /
/// image events that every instance polls (XREAD) to keep its index and FAISS replica in sync.
/// Every operation is bounded by the operation timeout and reports <see cref="MetadataStatus.Unavailable"/>
/// instead of throwing. The connection is shared and not owned.
/// </summary>
public sealed class RedisMetadataBackend : ICacheMetadataBackend
{
    // Counts a hit only while the latent still exists, so a hit racing an eviction cannot resurrect a hash.
    private const string RecordHitScript = """
        if redis.call('HEXISTS', KEYS[1], 'k' .. ARGV[1] .. ':bytes') == 0 then return -1 end
        local total = redis.call('HINCRBY', KEYS[1], 'k' .. ARGV[1] .. ':hits', ARGV[2])
        redis.call('HSET', KEYS[1], 'k' .. ARGV[1] .. ':used_ms', ARGV[3], 'last_used_ms', ARGV[3])
        redis.call('ZADD', KEYS[2], total * tonumber(ARGV[1]), ARGV[4])
        redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[8], '*', 'op', 'touched', 'origin', ARGV[5],
                   'tenant', ARGV[6], 'id', ARGV[7], 'k', ARGV[1], 'hits', ARGV[2], 'at_ms', ARGV[3])
        return total
        """;

    private const int LoadBatchSize = 256;
    private const int StreamReadCount = 256;

    private readonly RedisConnection _connection;
    private readonly RedisKeys _keys;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly string _origin = Guid.NewGuid().ToString("N");
    private RedisValue? _watchFrom;

    public RedisMetadataBackend(RedisConnection connection, TimeProvider? time = null, ILogger? logger = null)
    {
        _connection = connection;
        _keys = connection.Keys;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    public bool IsShared => true;

    /// <summary>This instance's id in the update stream (its own events are not replayed to it).</summary>
    public string Origin => _origin;

    public async ValueTask<MetadataLoadResult> LoadAllAsync(CancellationToken cancellationToken)
    {
        // Take the stream position first: changes made while loading are replayed, not missed.
        var (positionOk, position) = await LastStreamIdAsync().ConfigureAwait(false);
        if (!positionOk)
        {
            return MetadataLoadResult.Unavailable;
        }
        _watchFrom = position;

        var (tenantsOk, tenants) = await _connection.TryAsync("list tenants", db => db.SetMembersAsync(_keys.Tenants), cancellationToken).ConfigureAwait(false);
        if (!tenantsOk)
        {
            return MetadataLoadResult.Unavailable;
        }
        var entries = new List<CacheEntryMetadata>();
        foreach (var tenantValue in tenants!)
        {
            if (!TenantId.TryParse(tenantValue.ToString(), out var tenant))
            {
                _logger.LogWarning("Skipping invalid tenant '{Tenant}' in Redis", tenantValue.ToString());
                continue;
            }
            var (idsOk, ids) = await _connection.TryAsync("list entries", db => db.SetMembersAsync(_keys.Entries(tenant)), cancellationToken).ConfigureAwait(false);
            if (!idsOk)
            {
                return MetadataLoadResult.Unavailable;
            }
            var keys = ids!.Select(v => CacheEntryId.TryParse(v.ToString(), out var id) ? new CacheEntryKey(tenant, id) : (CacheEntryKey?)null)
                .OfType<CacheEntryKey>().ToList();
            foreach (var batch in keys.Chunk(LoadBatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (ok, hashes) = await _connection.TryAsync("load entries",
                    db => Task.WhenAll(batch.Select(k => db.HashGetAllAsync(_keys.Entry(k)))), cancellationToken).ConfigureAwait(false);
                if (!ok)
                {
                    return MetadataLoadResult.Unavailable;
                }
                for (int i = 0; i < batch.Length; i++)
                {
                    if (RedisEntryCodec.Decode(batch[i], hashes![i]) is { } entry)
                    {
                        entries.Add(entry);
                    }
                    else
                    {
                        _logger.LogWarning("Skipping incomplete cache entry {Key} in Redis", batch[i]);
                    }
                }
            }
        }
        return new MetadataLoadResult(MetadataStatus.Ok, entries);
    }

    public async ValueTask<MetadataStatus> PutLatentAsync(CacheEntryMetadata entry, StoredLatentInfo latent, CancellationToken cancellationToken)
    {
        var key = new LatentKey(entry.Key, latent.K);
        var (ok, committed) = await _connection.TryAsync("store latent metadata", db =>
        {
            var transaction = db.CreateTransaction();
            var entryKey = _keys.Entry(entry.Key);
            _ = transaction.HashSetAsync(entryKey, RedisEntryCodec.Encode(entry, latent));
            _ = transaction.HashSetAsync(entryKey, RedisEntryCodec.CreatedField, RedisEntryCodec.Ms(entry.Created), When.NotExists);
            _ = transaction.SetAddAsync(_keys.Entries(entry.Key.Tenant), entry.Key.Id.ToString());
            _ = transaction.SetAddAsync(_keys.Tenants, entry.Key.Tenant.Value);
            _ = transaction.SortedSetAddAsync(_keys.Lcbfu(entry.Key.Tenant), RedisKeys.Member(key), (double)latent.Hits * latent.K);
            _ = AddEventAsync(transaction, "added", key, latent.StoredAt,
                new("bytes", latent.Bytes), new("stored_ms", RedisEntryCodec.Ms(latent.StoredAt)));
            return transaction.ExecuteAsync();
        }, cancellationToken).ConfigureAwait(false);
        return ok && committed ? MetadataStatus.Ok : MetadataStatus.Unavailable;
    }

    public async ValueTask<MetadataStatus> RemoveLatentAsync(LatentKey key, CancellationToken cancellationToken)
    {
        var (ok, committed) = await _connection.TryAsync("remove latent metadata", db =>
        {
            var transaction = db.CreateTransaction();
            _ = transaction.HashDeleteAsync(_keys.Entry(key.Entry), RedisEntryCodec.LatentFields(key.K));
            _ = transaction.SortedSetRemoveAsync(_keys.Lcbfu(key.Tenant), RedisKeys.Member(key));
            _ = AddEventAsync(transaction, "removed", key, _time.GetUtcNow());
            return transaction.ExecuteAsync();
        }, cancellationToken).ConfigureAwait(false);
        return ok && committed ? MetadataStatus.Ok : MetadataStatus.Unavailable;
    }

    public async ValueTask<MetadataStatus> RemoveEntryAsync(CacheEntryKey key, CancellationToken cancellationToken)
    {
        var (ok, committed) = await _connection.TryAsync("remove entry metadata", db =>
        {
            var transaction = db.CreateTransaction();
            _ = transaction.KeyDeleteAsync(_keys.Entry(key));
            _ = transaction.SetRemoveAsync(_keys.Entries(key.Tenant), key.Id.ToString());
            return transaction.ExecuteAsync();
        }, cancellationToken).ConfigureAwait(false);
        return ok && committed ? MetadataStatus.Ok : MetadataStatus.Unavailable;
    }

    public async ValueTask<MetadataStatus> RecordHitsAsync(IReadOnlyList<HitDelta> hits, CancellationToken cancellationToken)
    {
        if (hits.Count == 0)
        {
            return MetadataStatus.Ok;
        }
        var (ok, _) = await _connection.TryAsync("record hits", db => Task.WhenAll(hits.Select(hit =>
            db.ScriptEvaluateAsync(RecordHitScript,
                [_keys.Entry(hit.Key.Entry), _keys.Lcbfu(hit.Key.Tenant), _keys.Events],
                [
                    hit.Key.K, hit.Hits, RedisEntryCodec.Ms(hit.LastUsed), RedisKeys.Member(hit.Key), _origin,
                    hit.Key.Tenant.Value, hit.Key.Id.ToString(), _connection.Options.StreamMaxLength,
                ]))), cancellationToken).ConfigureAwait(false);
        return ok ? MetadataStatus.Ok : MetadataStatus.Unavailable;
    }

    public async ValueTask<MetadataStatus> SetImageEmbeddingAsync(CacheEntryKey key, float[] embedding, CancellationToken cancellationToken)
    {
        var (ok, _) = await _connection.TryAsync("store image embedding", db =>
        {
            var transaction = db.CreateTransaction();
            transaction.AddCondition(Condition.KeyExists(_keys.Entry(key)));
            _ = transaction.HashSetAsync(_keys.Entry(key), RedisEntryCodec.ImageEmbeddingField, EmbeddingCodec.Encode(embedding));
            _ = AddEventAsync(transaction, "image", new LatentKey(key, 0), _time.GetUtcNow());
            return transaction.ExecuteAsync();
        }, cancellationToken).ConfigureAwait(false);
        // A false commit means the entry is gone already: nothing to update, and not an outage.
        return ok ? MetadataStatus.Ok : MetadataStatus.Unavailable;
    }

    public async IAsyncEnumerable<MetadataChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var poll = _connection.Options.StreamPollInterval;
        while (!cancellationToken.IsCancellationRequested)
        {
            if (_watchFrom is null)
            {
                var (ok, last) = await LastStreamIdAsync().ConfigureAwait(false);
                if (!ok)
                {
                    await Task.Delay(poll * 5, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                _watchFrom = last;
            }
            var from = _watchFrom.Value;
            var (read, events) = await _connection.TryAsync("read update stream",
                db => db.StreamReadAsync(_keys.Events, from, StreamReadCount), cancellationToken).ConfigureAwait(false);
            if (!read || events!.Length == 0)
            {
                await Task.Delay(read ? poll : poll * 5, cancellationToken).ConfigureAwait(false);
                continue;
            }
            foreach (var streamEntry in events)
            {
                // Advance before yielding: a watcher restarted after a failure resumes after this event.
                _watchFrom = streamEntry.Id;
                var change = await ToChangeAsync(streamEntry).ConfigureAwait(false);
                if (change is not null)
                {
                    yield return change;
                }
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task<(bool Ok, RedisValue Id)> LastStreamIdAsync()
    {
        var (ok, last) = await _connection.TryAsync("read stream position",
            db => db.StreamRangeAsync(_keys.Events, "-", "+", 1, Order.Descending)).ConfigureAwait(false);
        return (ok, ok && last!.Length > 0 ? last[0].Id : (RedisValue)"0-0");
    }

    private Task<RedisValue> AddEventAsync(IDatabaseAsync database, string op, LatentKey key, DateTimeOffset at, params NameValueEntry[] extra)
    {
        NameValueEntry[] fields =
        [
            new("op", op), new("origin", _origin), new("tenant", key.Tenant.Value), new("id", key.Id.ToString()),
            new("k", key.K), new("at_ms", RedisEntryCodec.Ms(at)), .. extra,
        ];
        return database.StreamAddAsync(_keys.Events, fields, maxLength: _connection.Options.StreamMaxLength, useApproximateMaxLength: true);
    }

    /// <summary>Turns another instance's stream event into a change; null for own or unreadable events.</summary>
    private async Task<MetadataChange?> ToChangeAsync(StreamEntry streamEntry)
    {
        var fields = streamEntry.Values.ToDictionary(v => v.Name.ToString(), v => v.Value.ToString());
        if (fields.GetValueOrDefault("origin") == _origin)
        {
            return null;
        }
        if (!TenantId.TryParse(fields.GetValueOrDefault("tenant"), out var tenant)
            || !CacheEntryId.TryParse(fields.GetValueOrDefault("id"), out var id)
            || !int.TryParse(fields.GetValueOrDefault("k"), NumberStyles.Integer, CultureInfo.InvariantCulture, out int k)
            || !long.TryParse(fields.GetValueOrDefault("at_ms"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long atMs))
        {
            _logger.LogWarning("Ignoring malformed cache update event {Id}", streamEntry.Id.ToString());
            return null;
        }
        var key = new CacheEntryKey(tenant, id);
        var at = RedisEntryCodec.FromMs(atMs);
        switch (fields.GetValueOrDefault("op"))
        {
            case "added":
                return await AddedChangeAsync(key, k, at).ConfigureAwait(false);
            case "removed":
                return new MetadataChange(MetadataChangeKind.LatentRemoved, key, k, at);
            case "touched":
                return long.TryParse(fields.GetValueOrDefault("hits"), NumberStyles.Integer, CultureInfo.InvariantCulture, out long hits)
                    ? new MetadataChange(MetadataChangeKind.Touched, key, k, at, Hits: hits)
                    : null;
            case "image":
                var (ok, image) = await _connection.TryAsync("read image embedding",
                    db => db.HashGetAsync(_keys.Entry(key), RedisEntryCodec.ImageEmbeddingField)).ConfigureAwait(false);
                if (!ok || image.IsNull || ((byte[])image!).Length % sizeof(float) != 0)
                {
                    return null;
                }
                return new MetadataChange(MetadataChangeKind.ImageEmbeddingSet, key, 0, at, ImageEmbedding: EmbeddingCodec.Decode((byte[])image!));
            default:
                _logger.LogWarning("Ignoring cache update event {Id} with unknown op '{Op}'", streamEntry.Id.ToString(), fields.GetValueOrDefault("op"));
                return null;
        }
    }

    private async Task<MetadataChange?> AddedChangeAsync(CacheEntryKey key, int k, DateTimeOffset at)
    {
        var (ok, hash) = await _connection.TryAsync("read added entry", db => db.HashGetAllAsync(_keys.Entry(key))).ConfigureAwait(false);
        if (!ok || RedisEntryCodec.Decode(key, hash!) is not { } entry)
        {
            return null; // Gone again (or unreachable): its removal event follows, or the next start reconciles.
        }
        var latent = entry.Latents.FirstOrDefault(l => l.K == k);
        return latent is null ? null : new MetadataChange(MetadataChangeKind.LatentAdded, key, k, at, Entry: entry, Latent: latent);
    }
}
