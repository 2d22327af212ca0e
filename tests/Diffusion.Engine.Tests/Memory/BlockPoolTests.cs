using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Tests.Memory;

public sealed class BlockPoolTests
{
    private static BlockPool NewPool(int blocks) =>
        new(new BlockPoolOptions { BudgetBytes = blocks * 2L * 64, Planes = 2, PlaneBlockBytes = 64 });

    [Fact]
    public void Options_without_room_for_one_block_are_rejected_with_a_clear_message()
    {
        var options = new BlockPoolOptions { BudgetBytes = 100, Planes = 2, PlaneBlockBytes = 64 };
        ArgumentException error = Assert.Throws<ArgumentException>(() => options.Validate());
        Assert.Contains("raise the budget", error.Message);
        Assert.Throws<ArgumentException>(() => new BlockPoolOptions { BudgetBytes = 1 << 20, Planes = 1, PlaneBlockBytes = 6 }.Validate());
    }

    [Fact]
    public void Allocation_is_all_or_nothing()
    {
        using BlockPool pool = NewPool(4);
        var got = new List<BlockId>();
        Assert.True(pool.TryAllocate(3, got));
        Assert.False(pool.TryAllocate(2, got));
        Assert.Equal(3, got.Count);
        Assert.Equal(1, pool.FreeBlocks);
        Assert.All(got, b => Assert.Equal(1, pool.GetRefCount(b)));
    }

    [Fact]
    public void Freed_blocks_are_reused_least_recently_freed_first()
    {
        using BlockPool pool = NewPool(3);
        var got = new List<BlockId>();
        Assert.True(pool.TryAllocate(3, got));
        pool.Release(got[2]);
        pool.Release(got[0]);
        var again = new List<BlockId>();
        Assert.True(pool.TryAllocate(1, again));
        Assert.Equal(got[2], again[0]);
    }

    [Fact]
    public void A_cached_free_block_is_revived_by_its_hash_and_reuse_drops_the_hash()
    {
        using BlockPool pool = NewPool(2);
        var got = new List<BlockId>();
        Assert.True(pool.TryAllocate(1, got));
        BlockHash hash = BlockHash.Of(null, [1, 2, 3]);
        Assert.True(pool.TryCache(got[0], hash));
        pool.Release(got[0]);
        Assert.Equal(1, pool.CachedFreeBlocks);

        Assert.True(pool.TryGetCached(hash, out BlockId cached));
        Assert.Equal(got[0], cached);
        pool.Retain(cached);
        Assert.False(pool.IsFree(cached));
        Assert.Equal(1, pool.Revivals);
        pool.Release(cached);

        // Taking both blocks reuses the cached one, which must forget its prefix.
        var all = new List<BlockId>();
        Assert.True(pool.TryAllocate(2, all));
        Assert.False(pool.TryGetCached(hash, out _));
        Assert.Null(pool.GetHash(cached));
        Assert.Equal(1, pool.Evictions);
    }

    [Fact]
    public void A_second_block_with_the_same_prefix_stays_unhashed()
    {
        using BlockPool pool = NewPool(2);
        var got = new List<BlockId>();
        Assert.True(pool.TryAllocate(2, got));
        BlockHash hash = BlockHash.Of(null, [7]);
        Assert.True(pool.TryCache(got[0], hash));
        Assert.False(pool.TryCache(got[1], hash));
        Assert.True(pool.TryGetCached(hash, out BlockId owner));
        Assert.Equal(got[0], owner);
    }

    [Fact]
    public void Shared_block_count_follows_reference_counts()
    {
        using BlockPool pool = NewPool(2);
        var got = new List<BlockId>();
        Assert.True(pool.TryAllocate(1, got));
        pool.Retain(got[0]);
        pool.Retain(got[0]);
        Assert.Equal(1, pool.SharedBlocks);
        pool.Release(got[0]);
        Assert.Equal(1, pool.SharedBlocks);
        pool.Release(got[0]);
        Assert.Equal(0, pool.SharedBlocks);
        pool.Release(got[0]);
        Assert.Throws<InvalidOperationException>(() => pool.Release(got[0]));
    }

    [Fact]
    public void Planes_are_separate_and_block_copies_cover_every_plane()
    {
        using BlockPool pool = NewPool(3);
        var got = new List<BlockId>();
        Assert.True(pool.TryAllocate(2, got));
        pool.GetSegment(got[0], 0).Fill(1f);
        pool.GetSegment(got[0], 1).Fill(2f);
        pool.CopyBlock(got[0], got[1]);
        Assert.All(pool.GetSegment(got[1], 0).ToArray(), v => Assert.Equal(1f, v));
        Assert.All(pool.GetSegment(got[1], 1).ToArray(), v => Assert.Equal(2f, v));
        Assert.Equal(3 * 16, pool.GetPlane(1).Length);
        // Block b's segment of plane p sits at b * PlaneBlockFloats inside the plane.
        Assert.Equal(2f, pool.GetPlane(1)[got[0].Value * 16]);
    }

    [Fact]
    public void Prefix_keys_depend_on_the_parent_and_the_tokens()
    {
        BlockHash a = BlockHash.Of(null, [1, 2]);
        Assert.Equal(a, BlockHash.Of(null, [1, 2]));
        Assert.NotEqual(a, BlockHash.Of(null, [2, 1]));
        Assert.NotEqual(BlockHash.Of(a, [3]), BlockHash.Of(BlockHash.Of(null, [9]), [3]));
        Assert.NotEqual(BlockHash.Of(null, [3]), BlockHash.Of(a, [3]));
    }
}
