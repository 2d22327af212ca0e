using Diffusion.Cache.Latents;
using Diffusion.CacheStore;

namespace Diffusion.Cache.Tests.Lookup;

public sealed class NearLatentCacheTests
{
    private static LatentKey Key(int id, int k) => new(new CacheEntryKey(TenantId.Default, new CacheEntryId(id)), k);

    [Fact]
    public void It_keeps_the_most_recently_used_latents_within_its_byte_bound()
    {
        var near = new NearLatentCache(maxBytes: 3 * 16 * sizeof(float));
        for (var i = 1; i <= 3; i++)
        {
            near.Put(Key(i, 5), new float[16]);
        }
        Assert.NotNull(near.TryGet(Key(1, 5)));      // 1 becomes the most recent
        near.Put(Key(4, 5), new float[16]);          // evicts 2, the least recent
        Assert.Null(near.TryGet(Key(2, 5)));
        Assert.NotNull(near.TryGet(Key(1, 5)));
        Assert.NotNull(near.TryGet(Key(4, 5)));
        Assert.Equal(3 * 16 * sizeof(float), near.Bytes);
    }

    [Fact]
    public void Values_come_back_at_fp16_precision_as_copies()
    {
        var near = new NearLatentCache(1 << 20);
        near.Put(Key(1, 5), [1.0001f, -3.14159f]);
        var a = near.TryGet(Key(1, 5))!;
        Assert.Equal([(float)(Half)1.0001f, (float)(Half)(-3.14159f)], a);
        a[0] = 42;
        Assert.NotEqual(42, near.TryGet(Key(1, 5))![0]);
    }

    [Fact]
    public void Removing_an_entry_drops_all_its_K_and_nothing_else()
    {
        var near = new NearLatentCache(1 << 20);
        near.Put(Key(1, 5), new float[4]);
        near.Put(Key(1, 10), new float[4]);
        near.Put(Key(2, 5), new float[4]);
        near.Remove(Key(1, 5).Entry);
        Assert.Null(near.TryGet(Key(1, 5)));
        Assert.Null(near.TryGet(Key(1, 10)));
        Assert.NotNull(near.TryGet(Key(2, 5)));
    }

    [Fact]
    public void A_zero_bound_holds_nothing()
    {
        var near = new NearLatentCache(0);
        near.Put(Key(1, 5), new float[4]);
        Assert.Null(near.TryGet(Key(1, 5)));
    }
}
