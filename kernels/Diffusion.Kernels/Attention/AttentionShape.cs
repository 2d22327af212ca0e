namespace Diffusion.Kernels.Attention;

/// <summary>Argument checks shared by the attention kernels, done once per call so the inner loops can
/// run without bounds checks.</summary>
internal static class AttentionShape
{
    public static void CheckCommon(
        ReadOnlySpan<float> queries, Span<float> output, int numHeads, int headDim, int firstQueryPosition, int numQueries)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numHeads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(headDim);
        ArgumentOutOfRangeException.ThrowIfNegative(firstQueryPosition);
        ArgumentOutOfRangeException.ThrowIfNegative(numQueries);
        if ((long)firstQueryPosition + numQueries > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(numQueries), "firstQueryPosition + numQueries overflows");
        }

        var expected = (long)numQueries * numHeads * headDim;
        if (queries.Length != expected)
        {
            throw new ArgumentException(
                $"queries hold {queries.Length} floats, expected [numQueries {numQueries}, numHeads {numHeads}, headDim {headDim}] = {expected}",
                nameof(queries));
        }

        if (output.Length != expected)
        {
            throw new ArgumentException(
                $"output holds {output.Length} floats, expected [numQueries {numQueries}, numHeads {numHeads}, headDim {headDim}] = {expected}",
                nameof(output));
        }

        if (queries.Overlaps(output))
        {
            throw new ArgumentException("output must not overlap queries", nameof(output));
        }
    }

    /// <summary>Contiguous K/V: [tokens, numHeads, headDim] holding at least every position the queries see.</summary>
    public static void CheckContiguous(
        ReadOnlySpan<float> keys, ReadOnlySpan<float> values, int numHeads, int headDim, int contextLength)
    {
        var tokenStride = numHeads * headDim;
        if (keys.Length != values.Length)
        {
            throw new ArgumentException($"keys ({keys.Length}) and values ({values.Length}) differ in length", nameof(values));
        }

        if (keys.Length % tokenStride != 0)
        {
            throw new ArgumentException(
                $"keys length {keys.Length} is not a multiple of numHeads x headDim = {tokenStride}", nameof(keys));
        }

        if (keys.Length / tokenStride < contextLength)
        {
            throw new ArgumentException(
                $"keys hold {keys.Length / tokenStride} tokens but the queries attend to {contextLength}", nameof(keys));
        }
    }

    /// <summary>Paged K/V: pools [numBlocks, blockSize, numHeads, headDim]; the table must map every block the
    /// queries see to a block inside the pool. Returns the number of physical blocks.</summary>
    public static int CheckPaged(
        ReadOnlySpan<float> kPool, ReadOnlySpan<float> vPool, ReadOnlySpan<int> blockTable,
        int blockSize, int numHeads, int headDim, int contextLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockSize);
        var blockStride = (long)blockSize * numHeads * headDim;
        if (kPool.Length != vPool.Length)
        {
            throw new ArgumentException($"kPool ({kPool.Length}) and vPool ({vPool.Length}) differ in length", nameof(vPool));
        }

        if (kPool.Length % blockStride != 0)
        {
            throw new ArgumentException(
                $"kPool length {kPool.Length} is not a multiple of blockSize x numHeads x headDim = {blockStride}", nameof(kPool));
        }

        var numBlocks = (int)(kPool.Length / blockStride);
        var blocksNeeded = (contextLength + blockSize - 1) / blockSize;
        if (blockTable.Length < blocksNeeded)
        {
            throw new ArgumentException(
                $"block table has {blockTable.Length} entries but {contextLength} tokens need {blocksNeeded}", nameof(blockTable));
        }

        for (var i = 0; i < blocksNeeded; i++)
        {
            if ((uint)blockTable[i] >= (uint)numBlocks)
            {
                throw new ArgumentException(
                    $"block table entry {i} is {blockTable[i]}, outside the pool's {numBlocks} blocks", nameof(blockTable));
            }
        }

        return numBlocks;
    }
}
