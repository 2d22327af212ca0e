using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Diffusion.CacheStore;

/// <summary>
/// Encodes and verifies latent files: a checksummed header, fp16 little-endian values, and a CRC-64
/// trailer over everything before it. The byte layout is written down in cache-store/FORMAT.md;
/// change both together and bump <see cref="Version"/>.
/// </summary>
public static class LatentFileFormat
{
    public const uint Magic = 0x54414C44; // "DLAT" read as a little-endian uint32
    public const ushort Version = 1;
    public const ushort DataTypeFloat16 = 1;
    public const int BytesPerElement = 2;
    public const int MaxRank = 8;
    public const int FixedHeaderLength = 44;
    public const int HeaderChecksumLength = 4;
    public const int TrailerLength = 8;

    /// <summary>Largest finite fp16 value; larger magnitudes would become infinity.</summary>
    public const float MaxFloat16 = 65504f;

    public static int HeaderLength(int rank, TenantId tenant) =>
        FixedHeaderLength + (4 * rank) + Encoding.ASCII.GetByteCount(tenant.Value) + HeaderChecksumLength;

    /// <summary>Exact size of the file for a latent of this many elements: what the byte budget counts.</summary>
    public static long FileLength(long elementCount, int rank, TenantId tenant) =>
        HeaderLength(rank, tenant) + (elementCount * BytesPerElement) + TrailerLength;

    /// <summary>Encodes one latent. Values must be finite and within fp16 range (checked by the caller).</summary>
    public static byte[] Encode(LatentKey key, ReadOnlySpan<float> values, ReadOnlySpan<int> shape, DateTimeOffset writtenAt)
    {
        ValidateShape(shape, values.Length);
        int headerLength = HeaderLength(shape.Length, key.Tenant);
        long payloadLength = (long)values.Length * BytesPerElement;
        var file = new byte[checked(headerLength + payloadLength + TrailerLength)];
        Span<byte> span = file;

        BinaryPrimitives.WriteUInt32LittleEndian(span[0..], Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], DataTypeFloat16);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], headerLength);
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], key.Id.Value);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], key.K);
        BinaryPrimitives.WriteInt64LittleEndian(span[24..], writtenAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(span[32..], payloadLength);
        BinaryPrimitives.WriteUInt16LittleEndian(span[40..], (ushort)shape.Length);
        int tenantLength = Encoding.ASCII.GetBytes(key.Tenant.Value, span[(FixedHeaderLength + (4 * shape.Length))..]);
        BinaryPrimitives.WriteUInt16LittleEndian(span[42..], (ushort)tenantLength);
        for (int i = 0; i < shape.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(span[(FixedHeaderLength + (4 * i))..], shape[i]);
        }
        int checksumAt = headerLength - HeaderChecksumLength;
        BinaryPrimitives.WriteUInt32LittleEndian(span[checksumAt..], Crc32.HashToUInt32(span[..checksumAt]));

        Span<byte> payload = span.Slice(headerLength, (int)payloadLength);
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(payload[(i * BytesPerElement)..], (Half)values[i]);
        }

        int trailerAt = file.Length - TrailerLength;
        BinaryPrimitives.WriteUInt64LittleEndian(span[trailerAt..], Crc64.HashToUInt64(span[..trailerAt]));
        return file;
    }

    /// <summary>
    /// Reads and checks only the header (magic, version, type, ranges, header CRC-32, announced length).
    /// Cheap enough to tell a torn file from a whole one without reading the payload checksum.
    /// </summary>
    public static LatentFileStatus ReadHeader(ReadOnlySpan<byte> file, out LatentFileHeader? header)
    {
        header = null;
        if (file.Length < FixedHeaderLength + HeaderChecksumLength)
        {
            return LatentFileStatus.Truncated;
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(file) != Magic)
        {
            return LatentFileStatus.BadMagic;
        }
        if (BinaryPrimitives.ReadUInt16LittleEndian(file[4..]) != Version)
        {
            return LatentFileStatus.UnsupportedVersion;
        }
        if (BinaryPrimitives.ReadUInt16LittleEndian(file[6..]) != DataTypeFloat16)
        {
            return LatentFileStatus.UnsupportedDataType;
        }

        int headerLength = BinaryPrimitives.ReadInt32LittleEndian(file[8..]);
        int rank = BinaryPrimitives.ReadUInt16LittleEndian(file[40..]);
        int tenantLength = BinaryPrimitives.ReadUInt16LittleEndian(file[42..]);
        if (rank is < 1 or > MaxRank || tenantLength is < 1 or > TenantId.MaxLength
            || headerLength != FixedHeaderLength + (4 * rank) + tenantLength + HeaderChecksumLength)
        {
            return LatentFileStatus.BadHeader;
        }
        if (file.Length < headerLength)
        {
            return LatentFileStatus.Truncated;
        }
        int checksumAt = headerLength - HeaderChecksumLength;
        if (BinaryPrimitives.ReadUInt32LittleEndian(file[checksumAt..]) != Crc32.HashToUInt32(file[..checksumAt]))
        {
            return LatentFileStatus.HeaderChecksumMismatch;
        }

        long id = BinaryPrimitives.ReadInt64LittleEndian(file[12..]);
        int k = BinaryPrimitives.ReadInt32LittleEndian(file[20..]);
        long writtenAtMs = BinaryPrimitives.ReadInt64LittleEndian(file[24..]);
        long payloadLength = BinaryPrimitives.ReadInt64LittleEndian(file[32..]);
        var shape = new int[rank];
        long elements = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32LittleEndian(file[(FixedHeaderLength + (4 * i))..]);
            if (shape[i] <= 0)
            {
                return LatentFileStatus.BadHeader;
            }
            elements *= shape[i];
            if (elements > int.MaxValue)
            {
                return LatentFileStatus.BadHeader;
            }
        }
        string tenantText = Encoding.ASCII.GetString(file.Slice(FixedHeaderLength + (4 * rank), tenantLength));
        if (id < 0 || k < 1 || payloadLength != elements * BytesPerElement || !TenantId.TryParse(tenantText, out var tenant)
            || writtenAtMs < DateTimeOffset.MinValue.ToUnixTimeMilliseconds() || writtenAtMs > DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            return LatentFileStatus.BadHeader;
        }

        var key = new LatentKey(new CacheEntryKey(tenant, new CacheEntryId(id)), k);
        header = new LatentFileHeader(key, shape, DateTimeOffset.FromUnixTimeMilliseconds(writtenAtMs), headerLength, payloadLength);
        return LatentFileStatus.Ok;
    }

    /// <summary>Fully verifies a file: header, exact length and the CRC-64 over header and payload.</summary>
    public static LatentFileStatus Verify(ReadOnlySpan<byte> file, out LatentFileHeader? header)
    {
        var status = ReadHeader(file, out header);
        if (status != LatentFileStatus.Ok)
        {
            return status;
        }
        long expected = header!.HeaderLength + header.PayloadLength + TrailerLength;
        if (file.Length != expected)
        {
            header = null;
            return file.Length < expected ? LatentFileStatus.Truncated : LatentFileStatus.TrailingBytes;
        }
        int trailerAt = file.Length - TrailerLength;
        if (BinaryPrimitives.ReadUInt64LittleEndian(file[trailerAt..]) != Crc64.HashToUInt64(file[..trailerAt]))
        {
            header = null;
            return LatentFileStatus.PayloadChecksumMismatch;
        }
        return LatentFileStatus.Ok;
    }

    /// <summary>Verifies a file and, when it is whole, decodes its values to float.</summary>
    public static LatentFileStatus Decode(ReadOnlySpan<byte> file, out LatentFileHeader? header, out float[]? values)
    {
        values = null;
        var status = Verify(file, out header);
        if (status != LatentFileStatus.Ok)
        {
            return status;
        }
        var payload = file.Slice(header!.HeaderLength, (int)header.PayloadLength);
        values = new float[header.ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(payload[(i * BytesPerElement)..]);
        }
        return LatentFileStatus.Ok;
    }

    /// <summary>Throws a clear <see cref="ArgumentException"/> when a shape does not describe <paramref name="elementCount"/> values.</summary>
    public static void ValidateShape(ReadOnlySpan<int> shape, int elementCount)
    {
        if (shape.Length is < 1 or > MaxRank)
        {
            throw new ArgumentException($"A latent shape has 1 to {MaxRank} dimensions, not {shape.Length}.", nameof(shape));
        }
        long product = 1;
        foreach (int dim in shape)
        {
            if (dim <= 0)
            {
                throw new ArgumentException($"Latent shape [{string.Join(", ", shape.ToArray())}] has a dimension that is not positive.", nameof(shape));
            }
            product *= dim;
            if (product > int.MaxValue)
            {
                break;
            }
        }
        if (product != elementCount)
        {
            throw new ArgumentException(
                $"Latent shape [{string.Join(", ", shape.ToArray())}] holds {product} values but the latent has {elementCount}.", nameof(shape));
        }
    }
}
