using System.Numerics;
using System.Runtime.CompilerServices;

namespace Diffusion.Kernels.Attention;

/// <summary>Where token t's K/V row starts (in floats from the pool's start), given the block table. A struct
/// type parameter, so the JIT compiles the attention loop once per kind with the arithmetic inlined.</summary>
internal interface IBlockAddressing
{
    nint RowOffset(ref int table, int token);
}

/// <summary>Power-of-two block sizes: a shift and a mask per token, no branch. A contiguous cache is the case
/// of one block that never ends (shift 31), so it runs the identical instructions.</summary>
internal readonly struct PowerOfTwoBlocks : IBlockAddressing
{
    private readonly int shift;
    private readonly int slotMask;
    private readonly nint blockStride;
    private readonly int tokenStride;

    private PowerOfTwoBlocks(int shift, int slotMask, nint blockStride, int tokenStride)
    {
        this.shift = shift;
        this.slotMask = slotMask;
        this.blockStride = blockStride;
        this.tokenStride = tokenStride;
    }

    public static PowerOfTwoBlocks Paged(int blockSize, int tokenStride) =>
        new(BitOperations.Log2((uint)blockSize), blockSize - 1, (nint)blockSize * tokenStride, tokenStride);

    /// <summary>Every token in block 0 (table [0]), at token * tokenStride.</summary>
    public static PowerOfTwoBlocks Contiguous(int tokenStride) => new(31, int.MaxValue, 0, tokenStride);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint RowOffset(ref int table, int token) =>
        Unsafe.Add(ref table, token >> shift) * blockStride + (nint)(token & slotMask) * tokenStride;
}

/// <summary>Any block size: one integer division per token.</summary>
internal readonly struct AnySizeBlocks : IBlockAddressing
{
    private readonly int blockSize;
    private readonly nint blockStride;
    private readonly int tokenStride;

    public AnySizeBlocks(int blockSize, int tokenStride)
    {
        this.blockSize = blockSize;
        blockStride = (nint)blockSize * tokenStride;
        this.tokenStride = tokenStride;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public nint RowOffset(ref int table, int token)
    {
        var block = token / blockSize;
        return Unsafe.Add(ref table, block) * blockStride + (nint)(token - block * blockSize) * tokenStride;
    }
}
