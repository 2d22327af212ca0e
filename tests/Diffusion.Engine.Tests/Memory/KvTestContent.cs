using Diffusion.Engine.Memory;

namespace Diffusion.Engine.Tests.Memory;

/// <summary>
/// Stands in for real KV in block-manager tests: the value written at a position is a function of
/// the tokens up to it (as real keys and values are), stored in the first float of the slot in every
/// plane. Lets tests see whether a sequence's cache still holds its own tokens.
/// </summary>
internal static class KvTestContent
{
    public static float ValueAt(IReadOnlyList<int> tokens, int position)
    {
        unchecked
        {
            int h = 17;
            for (int i = 0; i <= position; i++)
            {
                h = (h * 31) + tokens[i];
            }

            return (h & 0xFFFFFF) + (0.5f * (position % 2));
        }
    }

    public static void Write(KvCacheManager kv, SequenceId seq, IReadOnlyList<int> tokens, int from, int count)
    {
        IReadOnlyList<BlockId> table = kv.GetBlockTable(seq);
        int slotFloats = kv.Pool.PlaneBlockFloats / kv.BlockSize;
        for (int p = from; p < from + count; p++)
        {
            for (int plane = 0; plane < kv.Pool.Planes; plane++)
            {
                kv.Pool.GetSegment(table[p / kv.BlockSize], plane)[(p % kv.BlockSize) * slotFloats] = ValueAt(tokens, p) + plane;
            }
        }
    }

    /// <summary>Allocates, writes and commits <paramref name="count"/> new tokens.</summary>
    public static AllocationStatus Append(KvCacheManager kv, SequenceId seq, IReadOnlyList<int> tokens, int count)
    {
        int[] all = tokens.ToArray();
        AllocationStatus status = kv.AllocateSlots(seq, all, count);
        if (status != AllocationStatus.Ok)
        {
            return status;
        }

        int from = kv.GetComputedTokens(seq);
        Write(kv, seq, tokens, from, count);
        kv.CommitComputed(seq, all, count);
        return status;
    }

    public static void AssertHolds(KvCacheManager kv, SequenceId seq, IReadOnlyList<int> tokens)
    {
        IReadOnlyList<BlockId> table = kv.GetBlockTable(seq);
        int slotFloats = kv.Pool.PlaneBlockFloats / kv.BlockSize;
        for (int p = 0; p < kv.GetComputedTokens(seq); p++)
        {
            for (int plane = 0; plane < kv.Pool.Planes; plane++)
            {
                float actual = kv.Pool.GetSegment(table[p / kv.BlockSize], plane)[(p % kv.BlockSize) * slotFloats];
                Assert.True(ValueAt(tokens, p) + plane == actual, $"{seq} position {p} plane {plane}: got {actual}");
            }
        }
    }
}
