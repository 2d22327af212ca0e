using System.Runtime.CompilerServices;
using StackExchange.Redis;

namespace Diffusion.CacheStore;

/// <summary>
/// Latent files as Redis strings, shared by every instance. A SET replaces a value whole, so writes
/// are atomic without temporaries. Failures and timeouts surface as <see cref="IOException"/>.
/// The connection is shared and not owned.
/// </summary>
public sealed class RedisLatentDevice(RedisConnection connection) : ILatentDevice
{
    public bool IsShared => true;

    public async ValueTask WriteAsync(LatentKey key, ReadOnlyMemory<byte> blob, CancellationToken cancellationToken)
    {
        var value = (RedisValue)blob.ToArray();
        await connection.RunOrThrowIOAsync("write latent", db => db.StringSetAsync(connection.Keys.Latent(key), value), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<byte[]?> ReadAsync(LatentKey key, CancellationToken cancellationToken)
    {
        var value = await connection.RunOrThrowIOAsync("read latent", db => db.StringGetAsync(connection.Keys.Latent(key)), cancellationToken).ConfigureAwait(false);
        return value.IsNull ? null : (byte[]?)value;
    }

    public async ValueTask<bool> DeleteAsync(LatentKey key, CancellationToken cancellationToken) =>
        await connection.RunOrThrowIOAsync("delete latent", db => db.KeyDeleteAsync(connection.Keys.Latent(key)), cancellationToken).ConfigureAwait(false);

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
}
