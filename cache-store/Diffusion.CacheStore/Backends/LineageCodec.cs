using System.Buffers.Binary;

namespace Diffusion.CacheStore;

/// <summary>
/// An entry's ancestors as bytes, the form both metadata backends store: per ancestor a little-endian int32 step, an
/// int32 embedding length and the float32 embedding. Empty lineage is zero bytes.
/// </summary>
internal static class LineageCodec
{
    public static byte[] Encode(IReadOnlyList<LatentAncestor> lineage)
    {
        var bytes = new byte[lineage.Sum(a => 8 + a.TextEmbedding.Length * sizeof(float))];
        var at = 0;
        foreach (var ancestor in lineage)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), ancestor.UntilStep);
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at + 4), ancestor.TextEmbedding.Length);
            EmbeddingCodec.Encode(ancestor.TextEmbedding).CopyTo(bytes, at + 8);
            at += 8 + ancestor.TextEmbedding.Length * sizeof(float);
        }
        return bytes;
    }

    public static IReadOnlyList<LatentAncestor> Decode(ReadOnlySpan<byte> bytes)
    {
        var lineage = new List<LatentAncestor>();
        while (bytes.Length > 0)
        {
            if (bytes.Length < 8)
            {
                throw new InvalidDataException("A lineage blob ends inside an ancestor's header.");
            }
            var step = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
            if (length <= 0 || (long)length * sizeof(float) > bytes.Length - 8)
            {
                throw new InvalidDataException($"A lineage blob's ancestor claims {length} embedding values; {bytes.Length - 8} bytes remain.");
            }
            lineage.Add(new LatentAncestor(EmbeddingCodec.Decode(bytes.Slice(8, length * sizeof(float))), step));
            bytes = bytes[(8 + length * sizeof(float))..];
        }
        return lineage;
    }
}
