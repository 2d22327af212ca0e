using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Tests.Memory;

public sealed class KvCacheManagerTests
{
    private const int BlockSize = 4;

    private static (BlockPool Pool, KvCacheManager Kv) NewCache(int blocks, bool prefixCaching = true)
    {
        // Two planes (one layer's K and V), two floats per token slot.
        var pool = new BlockPool(new BlockPoolOptions
        {
            BudgetBytes = blocks * 2L * BlockSize * 2 * sizeof(float),
            Planes = 2,
            PlaneBlockBytes = BlockSize * 2 * sizeof(float),
        });
        return (pool, new KvCacheManager(pool, new KvCacheOptions { BlockSize = BlockSize, EnablePrefixCaching = prefixCaching }));
    }

    private static List<int> Tokens(params int[] ids) => ids.ToList();

    private static AllocationStatus Prefill(KvCacheManager kv, SequenceId seq, List<int> tokens) =>
        KvTestContent.Append(kv, seq, tokens, tokens.Count - kv.CountCachedPrefixTokens(tokens.ToArray()));

    [Fact]
    public void Allocation_says_later_when_blocks_are_short_and_never_when_the_pool_is_too_small()
    {
        (BlockPool pool, KvCacheManager kv) = NewCache(4);
        using (pool)
        {
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, new SequenceId(1), Enumerable.Range(0, 12).ToList()));
            int free = pool.FreeBlocks;

            Assert.Equal(AllocationStatus.Later, Prefill(kv, new SequenceId(2), Enumerable.Range(100, 8).ToList()));
            Assert.False(kv.Contains(new SequenceId(2)));
            Assert.Equal(free, pool.FreeBlocks);

            Assert.Equal(AllocationStatus.Never, Prefill(kv, new SequenceId(3), Enumerable.Range(200, 17).ToList()));
            Assert.False(kv.Contains(new SequenceId(3)));

            kv.Free(new SequenceId(1));
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, new SequenceId(2), Enumerable.Range(100, 8).ToList()));
        }
    }

    [Fact]
    public void Copy_on_write_into_a_shared_block_leaves_the_other_sequence_untouched()
    {
        (BlockPool pool, KvCacheManager kv) = NewCache(8);
        using (pool)
        {
            var a = new SequenceId(1);
            var b = new SequenceId(2);
            List<int> tokensA = Tokens(5, 6, 7, 8, 9, 10);
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, a, tokensA));
            kv.Fork(a, b);
            List<int> tokensB = tokensA.ToList();
            Assert.Equal(kv.GetBlockTable(a), kv.GetBlockTable(b));
            Assert.Equal(2, pool.SharedBlocks);

            tokensB.Add(200);
            Assert.Equal(AllocationStatus.Ok, KvTestContent.Append(kv, b, tokensB, 1));
            tokensA.Add(100);
            Assert.Equal(AllocationStatus.Ok, KvTestContent.Append(kv, a, tokensA, 1));

            Assert.Equal(kv.GetBlockTable(a)[0], kv.GetBlockTable(b)[0]);
            Assert.NotEqual(kv.GetBlockTable(a)[1], kv.GetBlockTable(b)[1]);
            Assert.Equal(1, kv.GetStats().CopyOnWrites);
            KvTestContent.AssertHolds(kv, a, tokensA);
            KvTestContent.AssertHolds(kv, b, tokensB);
        }
    }

    [Fact]
    public void A_prefix_cache_hit_after_free_revives_the_same_blocks()
    {
        (BlockPool pool, KvCacheManager kv) = NewCache(8);
        using (pool)
        {
            var a = new SequenceId(1);
            List<int> tokensA = Tokens(1, 2, 3, 4, 5, 6, 7, 8, 9);
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, a, tokensA));
            BlockId[] blocksA = kv.GetBlockTable(a).ToArray();
            kv.Free(a);
            Assert.Equal(pool.NumBlocks, pool.FreeBlocks);
            Assert.Equal(2, pool.CachedFreeBlocks);

            var b = new SequenceId(2);
            List<int> tokensB = Tokens(1, 2, 3, 4, 5, 6, 7, 8, 50, 51);
            Assert.Equal(8, kv.CountCachedPrefixTokens(tokensB.ToArray()));
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, b, tokensB));
            Assert.Equal(blocksA[0], kv.GetBlockTable(b)[0]);
            Assert.Equal(blocksA[1], kv.GetBlockTable(b)[1]);
            KvCacheStats stats = kv.GetStats();
            Assert.Equal(2, stats.PrefixHitBlocks);
            Assert.Equal(2, stats.Revivals);
            KvTestContent.AssertHolds(kv, b, tokensB);
        }
    }

    [Fact]
    public void A_fully_cached_prompt_still_computes_its_last_token()
    {
        (BlockPool pool, KvCacheManager kv) = NewCache(8);
        using (pool)
        {
            List<int> tokens = Tokens(1, 2, 3, 4, 5, 6, 7, 8);
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, new SequenceId(1), tokens));
            Assert.Equal(4, kv.CountCachedPrefixTokens(tokens.ToArray()));
        }
    }

    [Fact]
    public void Without_prefix_caching_nothing_is_shared()
    {
        (BlockPool pool, KvCacheManager kv) = NewCache(8, prefixCaching: false);
        using (pool)
        {
            List<int> tokens = Tokens(1, 2, 3, 4, 5, 6, 7, 8, 9);
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, new SequenceId(1), tokens));
            Assert.Equal(0, kv.CountCachedPrefixTokens(tokens.ToArray()));
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, new SequenceId(2), tokens));
            Assert.Equal(0, pool.SharedBlocks);
        }
    }

    [Fact]
    public void Swap_out_and_in_restores_content_and_sharing()
    {
        (BlockPool pool, KvCacheManager kv) = NewCache(6);
        using (pool)
        {
            var a = new SequenceId(1);
            var b = new SequenceId(2);
            List<int> tokens = Tokens(3, 1, 4, 1, 5, 9);
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, a, tokens));
            kv.Fork(a, b);

            SwappedBlocks swapped = kv.SwapOut([a, b]);
            Assert.Equal(2, swapped.BlockCount);
            Assert.Equal(pool.NumBlocks, pool.FreeBlocks);
            Assert.False(kv.Contains(a));

            // Scribble over the freed blocks so a wrong restore would show.
            var filler = new List<int>();
            for (int i = 0; i < 6; i++)
            {
                Assert.Equal(AllocationStatus.Ok, KvTestContent.Append(kv, new SequenceId(10 + i), Enumerable.Range(1000 * i, 3).ToList(), 3));
            }

            Assert.Equal(AllocationStatus.Later, kv.SwapIn(swapped));
            for (int i = 0; i < 6; i++)
            {
                kv.Free(new SequenceId(10 + i));
            }

            Assert.Equal(AllocationStatus.Ok, kv.SwapIn(swapped));
            Assert.Equal(kv.GetBlockTable(a), kv.GetBlockTable(b));
            Assert.Equal(2, pool.SharedBlocks);
            Assert.Equal(6, kv.GetComputedTokens(b));
            KvTestContent.AssertHolds(kv, a, tokens);
            KvTestContent.AssertHolds(kv, b, tokens);

            // A swapped-in sequence keeps its prefix key, so its full block is findable again.
            Assert.Equal(4, kv.CountCachedPrefixTokens([3, 1, 4, 1, 7, 7]));
        }
    }

    [Fact]
    public void Opaque_buffers_hold_floats_across_blocks_and_survive_a_swap()
    {
        (BlockPool pool, KvCacheManager kv) = NewCache(4);
        using (pool)
        {
            int blockBytes = pool.BlockFloats * sizeof(float);
            Assert.Equal(AllocationStatus.Ok, kv.AllocateOpaque(blockBytes * 2 + 8, out OpaqueBuffer? buffer));
            Assert.NotNull(buffer);
            Assert.Equal(3, buffer.BlockCount);
            float[] data = Enumerable.Range(0, buffer.Floats).Select(i => i * 0.25f).ToArray();
            buffer.CopyFrom(data);
            Assert.Equal(3, kv.GetStats().OpaqueBlocks);

            Assert.Equal(AllocationStatus.Later, kv.AllocateOpaque(blockBytes * 2, out OpaqueBuffer? none));
            Assert.Null(none);
            Assert.Equal(AllocationStatus.Never, kv.AllocateOpaque(blockBytes * 5L, out _));

            kv.SwapOut(buffer);
            Assert.False(buffer.IsResident);
            Assert.Equal(pool.NumBlocks, pool.FreeBlocks);
            Assert.Throws<InvalidOperationException>(() => buffer.CopyTo(new float[1]));
            Assert.Equal(AllocationStatus.Ok, kv.SwapIn(buffer));
            var back = new float[buffer.Floats];
            buffer.CopyTo(back);
            Assert.Equal(data, back);

            kv.Release(buffer);
            Assert.Equal(pool.NumBlocks, pool.FreeBlocks);
        }
    }

    [Fact]
    public void Stats_report_waste_and_the_slots_sharing_saved()
    {
        (BlockPool pool, KvCacheManager kv) = NewCache(8);
        using (pool)
        {
            Assert.Equal(AllocationStatus.Ok, Prefill(kv, new SequenceId(1), Tokens(1, 2, 3, 4, 5)));
            KvCacheStats stats = kv.GetStats();
            Assert.Equal(8, stats.AllocatedSlots);
            Assert.Equal(5, stats.FilledSlots);
            Assert.Equal(3.0 / 8, stats.KvWaste, 6);

            kv.Fork(new SequenceId(1), new SequenceId(2));
            stats = kv.GetStats();
            Assert.Equal(10, stats.LogicalTokens);
            Assert.Equal(5, stats.SharingSavedSlots);
            Assert.Equal(2, stats.SharedBlocks);
            Assert.Equal(4, stats.LogicalBlocks);
            Assert.Equal(2, stats.KvBlocks);
            Assert.Equal(0.5, stats.SharingSavedBlockFraction, 6);

            // An opaque buffer's blocks are not KV blocks.
            Assert.Equal(AllocationStatus.Ok, kv.AllocateOpaque(4, out OpaqueBuffer? latents));
            stats = kv.GetStats();
            Assert.Equal(1, stats.OpaqueBlocks);
            Assert.Equal(2, stats.KvBlocks);
            kv.Release(latents!);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Random_operations_keep_every_invariant(int seed)
    {
        (BlockPool pool, KvCacheManager kv) = NewCache(24);
        using (pool)
        {
            var workload = new RandomBlockWorkload(kv, seed);
            workload.Run(steps: 600);

            // The run must have exercised what it claims to check.
            KvCacheStats stats = kv.GetStats();
            Assert.True(workload.Refusals > 0, "the pool never filled up");
            Assert.True(stats.CopyOnWrites > 0, "no copy-on-write happened");
            Assert.True(stats.PrefixHitBlocks > 0, "the prefix cache was never hit");
            Assert.True(stats.Revivals > 0, "no freed block was revived");
            Assert.True(stats.SwappedInBlocks > 0, "nothing was swapped back in");
            Assert.Equal(pool.NumBlocks, pool.FreeBlocks);
            for (int b = 0; b < pool.NumBlocks; b++)
            {
                Assert.Equal(0, pool.GetRefCount(new BlockId(b)));
            }

            Assert.Equal(0, kv.SequenceCount);
        }
    }
}
