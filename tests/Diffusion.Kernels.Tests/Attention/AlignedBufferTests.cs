using System.Runtime.CompilerServices;
using Diffusion.Kernels.Attention;

namespace Diffusion.Kernels.Tests.Attention;

public sealed class AlignedBufferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(4096)]
    public unsafe void Allocate_GivesZeroedMemoryOnA64ByteBoundary(int length)
    {
        for (var attempt = 0; attempt < 8; attempt++)
        {
            var buffer = AlignedBuffer.Allocate(length);

            Assert.Equal(length, buffer.Length);
            Assert.Equal(0, (long)Unsafe.AsPointer(ref buffer.Span[0]) % AlignedBuffer.Alignment);
            Assert.All(buffer.ToArray(), v => Assert.Equal(0f, v));
        }
    }
}
