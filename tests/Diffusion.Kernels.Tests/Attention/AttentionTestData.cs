namespace Diffusion.Kernels.Tests.Attention;

/// <summary>One random attention problem: contiguous K/V plus the same tokens scattered over a paged pool through a
/// shuffled block table. Unused pool slots and tokens past the context hold NaN, so reading them shows up.</summary>
internal sealed class AttentionTestData
{
    public AttentionTestData(int numHeads, int headDim, int blockSize, int firstQueryPosition, int numQueries, int seed,
        float queryScale = 1f)
    {
        NumHeads = numHeads;
        HeadDim = headDim;
        BlockSize = blockSize;
        FirstQueryPosition = firstQueryPosition;
        NumQueries = numQueries;
        var random = new Random(seed);
        var rowLength = numHeads * headDim;
        var context = firstQueryPosition + numQueries;
        // Three spare tokens past the context: a kernel reading beyond the causal edge would pick up NaN.
        Keys = Fill(random, (context + 3) * rowLength, context * rowLength);
        Values = Fill(random, (context + 3) * rowLength, context * rowLength);
        Queries = Fill(random, numQueries * rowLength, numQueries * rowLength);
        for (var i = 0; i < Queries.Length; i++)
        {
            Queries[i] *= queryScale;
        }

        var blockStride = blockSize * rowLength;
        var blocksNeeded = (context + blockSize - 1) / blockSize;
        var physical = Enumerable.Range(0, blocksNeeded + 5).ToArray();
        random.Shuffle(physical);
        BlockTable = physical[..blocksNeeded];
        KPool = Enumerable.Repeat(float.NaN, physical.Length * blockStride).ToArray();
        VPool = Enumerable.Repeat(float.NaN, KPool.Length).ToArray();
        for (var b = 0; b < blocksNeeded; b++)
        {
            var length = Math.Min(blockStride, context * rowLength - b * blockStride);
            Keys.AsSpan(b * blockStride, length).CopyTo(KPool.AsSpan(BlockTable[b] * blockStride));
            Values.AsSpan(b * blockStride, length).CopyTo(VPool.AsSpan(BlockTable[b] * blockStride));
        }
    }

    public int NumHeads { get; }

    public int HeadDim { get; }

    public int BlockSize { get; }

    public int FirstQueryPosition { get; }

    public int NumQueries { get; }

    public float[] Queries { get; }

    public float[] Keys { get; }

    public float[] Values { get; }

    public float[] KPool { get; }

    public float[] VPool { get; }

    public int[] BlockTable { get; }

    public float[] NewOutput() => new float[Queries.Length];

    public float[] Reference()
    {
        var output = NewOutput();
        // The reference gets exactly the context: it never sees the NaN tail.
        var used = (FirstQueryPosition + NumQueries) * NumHeads * HeadDim;
        Diffusion.Kernels.Attention.ReferenceAttention.Compute(Queries, Keys.AsSpan(0, used), Values.AsSpan(0, used),
            NumHeads, HeadDim, FirstQueryPosition, NumQueries, output);
        return output;
    }

    public static float MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            var difference = Math.Abs(a[i] - b[i]);
            max = float.IsNaN(difference) ? float.PositiveInfinity : Math.Max(max, difference);
        }

        return max;
    }

    private static float[] Fill(Random random, int length, int valid)
    {
        var data = new float[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = i < valid ? random.NextSingle() * 2 - 1 : float.NaN;
        }

        return data;
    }
}
