using System.Buffers.Binary;

namespace Diffusion.CacheStore;

/// <summary>Embeddings as little-endian float32 bytes, the form both metadata backends store.</summary>
internal static class EmbeddingCodec
{
    public static byte[] Encode(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
        }
        return bytes;
    }

    public static float[] Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % sizeof(float) != 0)
        {
            throw new InvalidDataException($"An embedding blob of {bytes.Length} bytes is not a whole number of float32 values.");
        }
        var values = new float[bytes.Length / sizeof(float)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
        }
        return values;
    }
}
