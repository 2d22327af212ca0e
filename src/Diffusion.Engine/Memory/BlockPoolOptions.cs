namespace Diffusion.Engine.Memory;

/// <summary>
/// Geometry of the one "device" memory budget. The buffer is split into <see cref="Planes"/> planes,
/// each an array of <see cref="NumBlocks"/> segments of <see cref="PlaneBlockBytes"/>; block b owns
/// segment b of every plane. For a KV cache, plane 2l holds layer l's keys and plane 2l+1 its values,
/// so each plane is exactly one layer's pool laid out [numBlocks, blockSize, numHeads, headDim].
/// </summary>
public sealed record BlockPoolOptions
{
    /// <summary>Total bytes of the pool; the number of blocks is this divided by the block size.</summary>
    public required long BudgetBytes { get; init; }

    public required int Planes { get; init; }

    /// <summary>Bytes of one block in one plane; a multiple of 4 (the pool holds floats).</summary>
    public required int PlaneBlockBytes { get; init; }

    public long BlockBytes => (long)Planes * PlaneBlockBytes;

    public int NumBlocks => BlockBytes <= 0 ? 0 : (int)Math.Min(int.MaxValue, BudgetBytes / BlockBytes);

    /// <summary>A pool sized for the KV cache of a decoder with the given shape.</summary>
    public static BlockPoolOptions ForKvCache(long budgetBytes, int blockSize, int layers, int modelDim) => new()
    {
        BudgetBytes = budgetBytes,
        Planes = 2 * layers,
        PlaneBlockBytes = checked(blockSize * modelDim * sizeof(float)),
    };

    public BlockPoolOptions Validate()
    {
        if (Planes < 1)
        {
            throw new ArgumentException($"BlockPool: Planes must be at least 1 (got {Planes}).");
        }

        if (PlaneBlockBytes < sizeof(float) || PlaneBlockBytes % sizeof(float) != 0)
        {
            throw new ArgumentException($"BlockPool: PlaneBlockBytes must be a positive multiple of 4 (got {PlaneBlockBytes}).");
        }

        if (NumBlocks < 1)
        {
            throw new ArgumentException(
                $"BlockPool: a budget of {BudgetBytes} bytes holds no block of {BlockBytes} bytes; raise the budget.");
        }

        if ((long)NumBlocks * PlaneBlockBytes / sizeof(float) > int.MaxValue)
        {
            throw new ArgumentException("BlockPool: one plane would exceed 2^31 floats; lower the budget or the block size.");
        }

        return this;
    }
}
