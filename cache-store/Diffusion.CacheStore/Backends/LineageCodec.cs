using System.Buffers.Binary;

namespace Diffusion.CacheStore;

/// <summary>
/// An entry's ancestors as bytes, the form both metadata backends store. Version 1: per ancestor a little-endian int32
/// step, an int32 embedding length and the float32 text embedding. Version 2, written when any ancestor carries an image
/// embedding: an int32 −2 first (no version 1 step is negative), then per ancestor the version 1 fields followed by an
/// int32 image embedding length (0: none) and its float32 values. Empty lineage is zero bytes.
/// </summary>
internal static class LineageCodec
{
    private const int Version2Marker = -2;

    public static byte[] Encode(IReadOnlyList<LatentAncestor> lineage)
    {
        var withImages = lineage.Any(a => a.ImageEmbedding is not null);
        var size = lineage.Sum(a => 8 + a.TextEmbedding.Length * sizeof(float) + (withImages ? 4 + (a.ImageEmbedding?.Length ?? 0) * sizeof(float) : 0));
        var bytes = new byte[(withImages ? 4 : 0) + size];
        var at = 0;
        if (withImages)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes, Version2Marker);
            at = 4;
        }
        foreach (var ancestor in lineage)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), ancestor.UntilStep);
            at = Write(bytes, at + 4, ancestor.TextEmbedding);
            if (withImages)
            {
                at = Write(bytes, at, ancestor.ImageEmbedding ?? []);
            }
        }
        return bytes;
    }

    public static IReadOnlyList<LatentAncestor> Decode(ReadOnlySpan<byte> bytes)
    {
        var lineage = new List<LatentAncestor>();
        var withImages = bytes.Length >= 4 && BinaryPrimitives.ReadInt32LittleEndian(bytes) == Version2Marker;
        if (withImages)
        {
            bytes = bytes[4..];
        }
        while (bytes.Length > 0)
        {
            if (bytes.Length < 4)
            {
                throw new InvalidDataException("A lineage blob ends inside an ancestor's header.");
            }
            var step = BinaryPrimitives.ReadInt32LittleEndian(bytes);
            bytes = bytes[4..];
            var text = Read(ref bytes, allowEmpty: false);
            var image = withImages ? Read(ref bytes, allowEmpty: true) : [];
            lineage.Add(new LatentAncestor(text, step, image.Length == 0 ? null : image));
        }
        return lineage;
    }

    private static int Write(byte[] bytes, int at, float[] values)
    {
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), values.Length);
        EmbeddingCodec.Encode(values).CopyTo(bytes, at + 4);
        return at + 4 + values.Length * sizeof(float);
    }

    /// <summary>Reads an int32 length and that many floats; moves past them.</summary>
    private static float[] Read(ref ReadOnlySpan<byte> bytes, bool allowEmpty)
    {
        if (bytes.Length < 4)
        {
            throw new InvalidDataException("A lineage blob ends inside an ancestor's header.");
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var rest = bytes.Length - 4;
        if (length < (allowEmpty ? 0 : 1) || (long)length * sizeof(float) > rest)
        {
            throw new InvalidDataException($"A lineage blob's ancestor claims {length} embedding values; {rest} bytes remain.");
        }
        var values = EmbeddingCodec.Decode(bytes.Slice(4, length * sizeof(float)));
        bytes = bytes[(4 + length * sizeof(float))..];
        return values;
    }
}
