using Diffusion.CacheStore;
using StackExchange.Redis;

namespace Diffusion.CacheStore.Tests;

/// <summary>
/// A test that needs the real Redis named by DIFFUSION_TEST_REDIS (./test.sh starts one). Without the
/// variable the test is skipped with the reason; with it set, an unreachable server fails the test.
/// </summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(RedisTestServer.Variable)))
        {
            Skip = $"{RedisTestServer.Variable} is not set (./test.sh sets it and starts redis-server on loopback).";
        }
    }
}

/// <summary>Connections to the test Redis, each under a fresh key prefix that is deleted afterwards.</summary>
internal sealed class RedisTestServer : IAsyncDisposable
{
    public const string Variable = "DIFFUSION_TEST_REDIS";

    private readonly List<RedisConnection> _connections = [];

    public RedisTestServer()
    {
        Endpoint = Environment.GetEnvironmentVariable(Variable)!;
        Prefix = $"diffusion:test:{Guid.NewGuid():N}:";
    }

    public string Endpoint { get; }

    public string Prefix { get; }

    public RedisCacheOptions Options => new()
    {
        Configuration = Endpoint,
        KeyPrefix = Prefix,
        StreamPollInterval = TimeSpan.FromMilliseconds(50),
        // generous: the whole suite runs beside these tests, and a timed-out write reads as an outage
        OperationTimeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>A connection that must reach the server: the test fails with a clear message otherwise.</summary>
    public async Task<RedisConnection> ConnectAsync()
    {
        var connection = await RedisConnection.ConnectAsync(Options);
        _connections.Add(connection);
        for (int i = 0; i < 50 && !connection.IsConnected; i++)
        {
            await Task.Delay(100);
        }
        Assert.True(connection.IsConnected, $"{Variable} is '{Endpoint}' but no Redis answers there.");
        return connection;
    }

    public IDatabase Database => _connections[0].Database;

    public async Task<List<string>> KeysAsync()
    {
        var server = _connections[0].Multiplexer.GetServers().First();
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: Prefix + "*"))
        {
            keys.Add(key.ToString());
        }
        return keys;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connections.Count > 0 && _connections[0].IsConnected)
        {
            foreach (string key in await KeysAsync())
            {
                await Database.KeyDeleteAsync(key);
            }
        }
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }
}
