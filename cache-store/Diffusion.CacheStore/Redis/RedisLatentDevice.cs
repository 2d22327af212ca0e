using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Diffusion.CacheStore;

/// <summary>
/// Latent files as Redis strings, shared by every instance, under one byte budget for all of them. A write and
/// its count on the shared byte counter are one Lua script, so the store's bytes never exceed the budget however
/// many instances write at once: a write that would take it over is refused with
/// <see cref="LatentBudgetExceededException"/> (the caller evicts and tries again), and a delete counts its bytes
/// off only when it removed the blob, so two instances evicting the same latent free it once. Failures and
/// timeouts surface as <see cref="IOException"/>. The connection is shared and not owned.
/// </summary>
/// <param name="maxBytes">The shared budget; every instance should be given the same (the script checks the
/// writer's). Null: no budget, the counter is still kept.</param>
public sealed class RedisLatentDevice(RedisConnection connection, long? maxBytes = null) : ILatentDevice
{
    /// <summary>Returns 0 when written, −1 when the byte counter is missing (to be set up first), or the bytes it would be over.</summary>
    private const string WriteScript = """
        local used = redis.call('GET', KEYS[2])
        if not used then return -1 end
        local size = string.len(ARGV[1])
        local old = redis.call('STRLEN', KEYS[1])
        local over = tonumber(used) - old + size - tonumber(ARGV[2])
        if over > 0 then return over end
        redis.call('SET', KEYS[1], ARGV[1])
        redis.call('INCRBY', KEYS[2], size - old)
        return 0
        """;

    /// <summary>Returns 1 when this call removed the blob (and counted its bytes off), 0 when it was gone already.</summary>
    private const string DeleteScript = """
        local size = redis.call('STRLEN', KEYS[1])
        if redis.call('DEL', KEYS[1]) == 0 then return 0 end
        if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECRBY', KEYS[2], size) end
        return 1
        """;

    private readonly long _budget = maxBytes ?? long.MaxValue;

    public bool IsShared => true;

    public async ValueTask WriteAsync(LatentKey key, ReadOnlyMemory<byte> blob, CancellationToken cancellationToken)
    {
        RedisKey[] keys = [connection.Keys.Latent(key), connection.Keys.LatentBytes];
        RedisValue[] values = [blob.ToArray(), _budget];
        long result = await RunScriptAsync("write latent", WriteScript, keys, values, cancellationToken).ConfigureAwait(false);
        if (result == -1)
        {
            await CountExistingBytesAsync(cancellationToken).ConfigureAwait(false);
            result = await RunScriptAsync("write latent", WriteScript, keys, values, cancellationToken).ConfigureAwait(false);
        }
        if (result > 0)
        {
            throw new LatentBudgetExceededException(result, $"the shared latent store would be {result} bytes over its budget of {_budget}");
        }
        if (result < 0)
        {
            throw new IOException("The shared latent store's byte counter is missing (write latent).");
        }
    }

    public async ValueTask<byte[]?> ReadAsync(LatentKey key, CancellationToken cancellationToken)
    {
        var value = await connection.RunOrThrowIOAsync("read latent", db => db.StringGetAsync(connection.Keys.Latent(key)), cancellationToken).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    public async ValueTask<bool> DeleteAsync(LatentKey key, CancellationToken cancellationToken) =>
        await RunScriptAsync("delete latent", DeleteScript, [connection.Keys.Latent(key), connection.Keys.LatentBytes], [], cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>The bytes all instances' latents take now, by the shared counter (null before the first write sets it up).</summary>
    public async ValueTask<long?> UsedBytesAsync(CancellationToken cancellationToken)
    {
        var value = await connection.RunOrThrowIOAsync("read latent bytes", db => db.StringGetAsync(connection.Keys.LatentBytes), cancellationToken).ConfigureAwait(false);
        return value.IsNull ? null : (long)value;
    }

    public async IAsyncEnumerable<LatentKey> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var servers = connection.Multiplexer.GetServers().Where(s => s.IsConnected && !s.IsReplica).ToList();
        if (servers.Count == 0)
        {
            throw new IOException("Redis is unavailable (list latents): no connected primary.");
        }
        foreach (var server in servers)
        {
            await using var keys = server.KeysAsync(connection.Database.Database, connection.Keys.LatentPattern, pageSize: 500)
                .GetAsyncEnumerator(cancellationToken);
            while (true)
            {
                bool more;
                try
                {
                    more = await keys.MoveNextAsync().ConfigureAwait(false);
                }
                catch (RedisException ex)
                {
                    throw new IOException($"Redis is unavailable (list latents): {ex.Message}", ex);
                }
                if (!more)
                {
                    break;
                }
                if (connection.Keys.TryParseLatent(keys.Current.ToString(), out var key))
                {
                    yield return key;
                }
            }
        }
    }

    public ValueTask<int> RemoveLeftoversAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>
    /// Sets the byte counter up from the latents already stored (a store written before the counter existed, or a
    /// fresh one: 0). Writes are refused while it is missing, so no write slips past the sum; a delete meanwhile
    /// leaves the sum too high, which errs on the budget's side. The first instance to finish sets it (SETNX).
    /// </summary>
    private async Task CountExistingBytesAsync(CancellationToken cancellationToken)
    {
        // one STRLEN per latent, pipelined on the connection rather than a round trip each
        var lengths = new List<Task<long>>();
        await foreach (var key in ListAsync(cancellationToken).ConfigureAwait(false))
        {
            lengths.Add(connection.RunOrThrowIOAsync("count latent bytes", db => db.StringLengthAsync(connection.Keys.Latent(key)), cancellationToken));
        }
        long total = (await Task.WhenAll(lengths).ConfigureAwait(false)).Sum();
        await connection.RunOrThrowIOAsync("count latent bytes", db => db.StringSetAsync(connection.Keys.LatentBytes, total, when: When.NotExists), cancellationToken).ConfigureAwait(false);
    }

    private async Task<long> RunScriptAsync(string what, string script, RedisKey[] keys, RedisValue[] values, CancellationToken cancellationToken)
    {
        var result = await connection.RunOrThrowIOAsync(what, db => db.ScriptEvaluateAsync(script, keys, values), cancellationToken).ConfigureAwait(false);
        return (long)result;
    }
}
