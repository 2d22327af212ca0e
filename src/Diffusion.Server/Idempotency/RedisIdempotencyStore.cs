using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.CacheStore;
using StackExchange.Redis;

namespace Diffusion.Server.Idempotency;

/// <summary>
/// Idempotency keys in Redis, shared by every instance: one string per (tenant, key) holding either the running
/// attempt (its request fingerprint, with a lease as the key's expiry) or the finished response (kept for the
/// retention). Claims, renewals and releases are Lua scripts, so two instances never both claim a key and a
/// lapsed claim is taken over by exactly one retry. A Redis that cannot be reached fails the request (503): running
/// it unguarded could generate twice.
/// </summary>
public sealed class RedisIdempotencyStore(RedisConnection redis, string keyPrefix = "diffusion:idempotency:") : IIdempotencyStore
{
    // KEYS[1] the key; ARGV[1] the running attempt's value, ARGV[2] the lease in ms. Returns nil when claimed, else the value held.
    private const string ClaimScript = """
        local held = redis.call('GET', KEYS[1])
        if held then return held end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return false
        """;

    // Extends the lease only while the running attempt's own value is held.
    private const string RenewScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return 0
        """;

    // Stores the response unless another attempt took the key over after this one's lease lapsed.
    private const string CompleteScript = """
        local held = redis.call('GET', KEYS[1])
        if held and held ~= ARGV[1] then return 0 end
        redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
        return 1
        """;

    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    public async Task<IdempotencyClaim> ClaimAsync(TenantId tenant, string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken)
    {
        var held = await RunAsync(ClaimScript, tenant, key, [Running(fingerprint), Ms(lease)], cancellationToken).ConfigureAwait(false);
        if (held.IsNull)
        {
            return IdempotencyClaim.Claimed;
        }
        var value = JsonSerializer.Deserialize<Value>((string)held!) ?? throw new InvalidDataException("an idempotency record that is not JSON");
        return value.Fingerprint != fingerprint ? IdempotencyClaim.Mismatch
            : value.Status is { } status ? new IdempotencyClaim(IdempotencyClaimStatus.Completed,
                new StoredResponse(status, value.ContentType, value.Location, Convert.FromBase64String(value.Body ?? "")))
            : IdempotencyClaim.InProgress;
    }

    public async Task<bool> RenewAsync(TenantId tenant, string key, string fingerprint, TimeSpan lease, CancellationToken cancellationToken) =>
        (long)await RunAsync(RenewScript, tenant, key, [Running(fingerprint), Ms(lease)], cancellationToken).ConfigureAwait(false) == 1;

    public async Task CompleteAsync(TenantId tenant, string key, string fingerprint, StoredResponse response, TimeSpan retention,
        CancellationToken cancellationToken)
    {
        var done = JsonSerializer.Serialize(new Value(fingerprint, response.Status, response.ContentType, response.Location, Convert.ToBase64String(response.Body)));
        await RunAsync(CompleteScript, tenant, key, [Running(fingerprint), done, Ms(retention)], cancellationToken).ConfigureAwait(false);
    }

    public async Task ReleaseAsync(TenantId tenant, string key, string fingerprint, CancellationToken cancellationToken) =>
        await RunAsync(ReleaseScript, tenant, key, [Running(fingerprint)], cancellationToken).ConfigureAwait(false);

    private async Task<RedisResult> RunAsync(string script, TenantId tenant, string key, RedisValue[] arguments, CancellationToken cancellationToken)
    {
        try
        {
            return await redis.Database.ScriptEvaluateAsync(script, [RedisKeyOf(tenant, key)], arguments)
                .WaitAsync(redis.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new IdempotencyUnavailableException($"the idempotency store (Redis) is unavailable: {e.Message}", e);
        }
    }

    /// <summary>The key is hashed: clients choose it, and it must not shape Redis keys.</summary>
    private RedisKey RedisKeyOf(TenantId tenant, string key) =>
        $"{keyPrefix}{tenant}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))}";

    private static string Running(string fingerprint) => JsonSerializer.Serialize(new Value(fingerprint, null, null, null, null));

    private static long Ms(TimeSpan span) => Math.Max(1, (long)span.TotalMilliseconds);

    private sealed record Value(
        [property: JsonPropertyName("fp")] string Fingerprint,
        [property: JsonPropertyName("status")] int? Status,
        [property: JsonPropertyName("type")] string? ContentType,
        [property: JsonPropertyName("location")] string? Location,
        [property: JsonPropertyName("body")] string? Body);
}

/// <summary>The shared idempotency store cannot be reached: the request is refused (503) rather than run unguarded.</summary>
public sealed class IdempotencyUnavailableException(string message, Exception inner) : Exception(message, inner);
