using Diffusion.CacheStore;
using Diffusion.Server.Idempotency;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.Server.Tests.Idempotency;

/// <summary>The store contract, for the in-memory store (fake time) and the Redis store (the real server ./test.sh starts).</summary>
public abstract class IdempotencyStoreContract
{
    protected static readonly TenantId Alice = new("alice"), Bob = new("bob");

    protected abstract IIdempotencyStore Store { get; }

    /// <summary>Lets <paramref name="lease"/> lapse.</summary>
    protected abstract Task LapseAsync(TimeSpan lease);

    protected virtual TimeSpan Lease => TimeSpan.FromSeconds(1);

    private static StoredResponse Response(string text) => new(200, "application/json", null, System.Text.Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task A_key_is_claimed_once_then_answers_with_its_response()
    {
        var key = Guid.NewGuid().ToString();
        Assert.Equal(IdempotencyClaimStatus.Claimed, (await Store.ClaimAsync(Alice, key, "fp", Lease, default)).Status);
        Assert.Equal(IdempotencyClaimStatus.InProgress, (await Store.ClaimAsync(Alice, key, "fp", Lease, default)).Status);
        Assert.Equal(IdempotencyClaimStatus.Mismatch, (await Store.ClaimAsync(Alice, key, "other", Lease, default)).Status);
        Assert.Equal(IdempotencyClaimStatus.Claimed, (await Store.ClaimAsync(Bob, key, "fp", Lease, default)).Status);   // per tenant

        await Store.CompleteAsync(Alice, key, "fp", Response("{\"id\":1}"), TimeSpan.FromMinutes(1), default);
        var replay = await Store.ClaimAsync(Alice, key, "fp", Lease, default);
        Assert.Equal(IdempotencyClaimStatus.Completed, replay.Status);
        Assert.Equal("{\"id\":1}", System.Text.Encoding.UTF8.GetString(replay.Response!.Body));
        Assert.Equal(("application/json", 200), (replay.Response.ContentType, replay.Response.Status));
    }

    [Fact]
    public async Task A_released_key_and_a_lapsed_claim_can_be_claimed_again_but_a_renewed_one_cannot()
    {
        var key = Guid.NewGuid().ToString();
        await Store.ClaimAsync(Alice, key, "fp", Lease, default);
        await Store.ReleaseAsync(Alice, key, "fp", default);
        Assert.Equal(IdempotencyClaimStatus.Claimed, (await Store.ClaimAsync(Alice, key, "fp", Lease, default)).Status);

        await LapseAsync(Lease / 2);
        Assert.True(await Store.RenewAsync(Alice, key, "fp", Lease, default));
        await LapseAsync(Lease * 0.7);
        Assert.Equal(IdempotencyClaimStatus.InProgress, (await Store.ClaimAsync(Alice, key, "fp", Lease, default)).Status);

        await LapseAsync(Lease * 1.5);   // the instance that held it died: no renewal
        Assert.Equal(IdempotencyClaimStatus.Claimed, (await Store.ClaimAsync(Alice, key, "fp", Lease, default)).Status);
    }

    [Fact]
    public async Task A_response_outlives_the_claim_only_for_its_retention()
    {
        var key = Guid.NewGuid().ToString();
        await Store.ClaimAsync(Alice, key, "fp", Lease, default);
        await Store.CompleteAsync(Alice, key, "fp", Response("x"), Lease * 2, default);
        await LapseAsync(Lease * 1.2);
        Assert.Equal(IdempotencyClaimStatus.Completed, (await Store.ClaimAsync(Alice, key, "fp", Lease, default)).Status);
        await LapseAsync(Lease * 1.2);
        Assert.Equal(IdempotencyClaimStatus.Claimed, (await Store.ClaimAsync(Alice, key, "fp", Lease, default)).Status);
    }
}

public sealed class MemoryIdempotencyStoreTests : IdempotencyStoreContract
{
    private readonly FakeTimeProvider _time = new();

    public MemoryIdempotencyStoreTests() => Store = new MemoryIdempotencyStore(_time);

    protected override IIdempotencyStore Store { get; }

    protected override Task LapseAsync(TimeSpan lease)
    {
        _time.Advance(lease);
        return Task.CompletedTask;
    }
}

public sealed class RedisIdempotencyStoreTests : IdempotencyStoreContract, IAsyncLifetime
{
    private RedisConnection? _redis;
    private IIdempotencyStore? _store;

    protected override IIdempotencyStore Store => _store!;

    // real time: long enough that a loaded machine's scheduling delays stay well inside the margins the contract leaves
    protected override TimeSpan Lease => TimeSpan.FromSeconds(3);

    protected override Task LapseAsync(TimeSpan lease) => Task.Delay(lease);

    public async Task InitializeAsync()
    {
        var endpoint = Environment.GetEnvironmentVariable("DIFFUSION_TEST_REDIS");
        Assert.False(string.IsNullOrWhiteSpace(endpoint), "DIFFUSION_TEST_REDIS is not set: run through ./test.sh, which starts redis-server on loopback");
        _redis = await RedisConnection.ConnectAsync(new RedisCacheOptions { Configuration = endpoint! });
        // the connection may still be completing its handshake; the store fails fast (503) meanwhile, as it should
        for (var i = 0; i < 100 && !_redis.IsConnected; i++)
        {
            await Task.Delay(50);
        }
        _store = new RedisIdempotencyStore(_redis, $"test:idempotency:{Guid.NewGuid():N}:");
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
