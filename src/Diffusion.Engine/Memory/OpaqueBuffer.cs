namespace Diffusion.Engine.Memory;

/// <summary>
/// Whole blocks of the pool held as plain float storage, e.g. a diffusion job's working latents.
/// The floats run through the blocks' plane segments in order (block 0 plane 0, block 0 plane 1, …).
/// While swapped out the content lives in a host array and the blocks are free.
/// </summary>
public sealed class OpaqueBuffer
{
    private readonly BlockPool _pool;

    internal OpaqueBuffer(BlockPool pool, long bytes, int blockCount)
    {
        _pool = pool;
        Bytes = bytes;
        BlockCount = blockCount;
    }

    public long Bytes { get; }

    public int Floats => (int)(Bytes / sizeof(float));

    public int BlockCount { get; }

    /// <summary>True while the content is in the pool; false while swapped out or released.</summary>
    public bool IsResident => Blocks.Count > 0;

    public bool IsReleased { get; internal set; }

    internal List<BlockId> Blocks { get; } = new();

    internal float[]? HostCopy { get; set; }

    public void CopyFrom(ReadOnlySpan<float> source)
    {
        EnsureResident();
        if (source.Length > Floats)
        {
            throw new ArgumentException($"{source.Length} floats do not fit a buffer of {Floats}");
        }

        int seg = _pool.PlaneBlockFloats;
        for (int k = 0, offset = 0; offset < source.Length; k++, offset += seg)
        {
            int n = Math.Min(seg, source.Length - offset);
            source.Slice(offset, n).CopyTo(Segment(k));
        }
    }

    public void CopyTo(Span<float> destination)
    {
        EnsureResident();
        if (destination.Length > Floats)
        {
            throw new ArgumentException($"asked for {destination.Length} floats from a buffer of {Floats}");
        }

        int seg = _pool.PlaneBlockFloats;
        for (int k = 0, offset = 0; offset < destination.Length; k++, offset += seg)
        {
            int n = Math.Min(seg, destination.Length - offset);
            Segment(k)[..n].CopyTo(destination.Slice(offset, n));
        }
    }

    private Span<float> Segment(int k) => _pool.GetSegment(Blocks[k / _pool.Planes], k % _pool.Planes);

    private void EnsureResident()
    {
        if (!IsResident)
        {
            throw new InvalidOperationException(IsReleased ? "the buffer was released" : "the buffer is swapped out");
        }
    }
}
