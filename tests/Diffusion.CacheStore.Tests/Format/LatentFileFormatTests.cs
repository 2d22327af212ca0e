using System.Buffers.Binary;
using Diffusion.CacheStore;

namespace Diffusion.CacheStore.Tests.Format;

public sealed class LatentFileFormatTests
{
    private static readonly DateTimeOffset WrittenAt = DateTimeOffset.Parse("2025-03-04T05:06:07Z");
    private static readonly LatentKey Key = new(new CacheEntryKey(new TenantId("acme"), new CacheEntryId(0x1234_5678_9abc)), 15);

    [Fact]
    public void Round_trip_keeps_header_and_values_within_fp16_error()
    {
        int[] shape = [4, 8, 8];
        float[] values = TestEntries.Latent(seed: 7, length: 256, scale: 4f);
        values[0] = 0f;
        values[1] = 1e-6f; // subnormal in fp16
        values[2] = -65504f;

        byte[] file = LatentFileFormat.Encode(Key, values, shape, WrittenAt);
        var status = LatentFileFormat.Decode(file, out var header, out var decoded);

        Assert.Equal(LatentFileStatus.Ok, status);
        Assert.Equal(Key, header!.Key);
        Assert.Equal(shape, header.Shape);
        Assert.Equal(WrittenAt, header.WrittenAt);
        Assert.Equal(LatentFileFormat.FileLength(values.Length, shape.Length, Key.Tenant), file.Length);
        for (int i = 0; i < values.Length; i++)
        {
            // fp16 keeps 11 significant bits: relative error at most 2^-11, absolute at most 2^-25 near zero.
            float bound = MathF.Max(MathF.Abs(values[i]) * MathF.Pow(2, -11), MathF.Pow(2, -25));
            Assert.True(MathF.Abs(values[i] - decoded![i]) <= bound, $"value {i}: {values[i]} came back as {decoded[i]}");
        }
        Assert.Equal(-65504f, decoded![2]);
    }

    [Fact]
    public void Every_single_flipped_byte_is_caught()
    {
        byte[] file = LatentFileFormat.Encode(Key, TestEntries.Latent(1, 48), [3, 4, 4], WrittenAt);
        for (int i = 0; i < file.Length; i++)
        {
            byte[] damaged = (byte[])file.Clone();
            damaged[i] ^= 0x10;
            var status = LatentFileFormat.Decode(damaged, out _, out var values);
            Assert.NotEqual(LatentFileStatus.Ok, status);
            Assert.Null(values);
        }
    }

    [Fact]
    public void Payload_damage_is_reported_as_a_payload_checksum_mismatch()
    {
        byte[] file = LatentFileFormat.Encode(Key, TestEntries.Latent(1, 48), [3, 4, 4], WrittenAt);
        int headerLength = LatentFileFormat.HeaderLength(3, Key.Tenant);
        file[headerLength + 10] ^= 0x01;
        Assert.Equal(LatentFileStatus.PayloadChecksumMismatch, LatentFileFormat.Verify(file, out _));
    }

    [Fact]
    public void Every_truncation_is_caught()
    {
        byte[] file = LatentFileFormat.Encode(Key, TestEntries.Latent(2, 32), [2, 4, 4], WrittenAt);
        for (int length = 0; length < file.Length; length++)
        {
            var status = LatentFileFormat.Verify(file.AsSpan(0, length), out var header);
            Assert.Equal(LatentFileStatus.Truncated, status);
            Assert.Null(header);
        }
    }

    [Fact]
    public void Appended_bytes_are_caught()
    {
        byte[] file = LatentFileFormat.Encode(Key, TestEntries.Latent(2, 32), [2, 4, 4], WrittenAt);
        Assert.Equal(LatentFileStatus.TrailingBytes, LatentFileFormat.Verify([.. file, 0], out _));
    }

    [Fact]
    public void Header_fields_sit_where_FORMAT_md_says()
    {
        byte[] file = LatentFileFormat.Encode(Key, TestEntries.Latent(3, 16), [1, 4, 4], WrittenAt);
        Assert.Equal("DLAT", System.Text.Encoding.ASCII.GetString(file, 0, 4));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(6)));
        Assert.Equal(44 + 12 + 4 + 4, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(8)));
        Assert.Equal(Key.Id.Value, BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(12)));
        Assert.Equal(15, BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(20)));
        Assert.Equal(WrittenAt.ToUnixTimeMilliseconds(), BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(24)));
        Assert.Equal(32, BinaryPrimitives.ReadInt64LittleEndian(file.AsSpan(32)));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(40)));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(42)));
        Assert.Equal("acme", System.Text.Encoding.ASCII.GetString(file, 56, 4));
        Assert.Equal(64 + 32 + 8, file.Length);
    }

    [Fact]
    public void A_shape_that_does_not_match_the_values_is_a_clear_error()
    {
        var error = Assert.Throws<ArgumentException>(() => LatentFileFormat.Encode(Key, new float[10], [2, 4], WrittenAt));
        Assert.Contains("holds 8 values but the latent has 10", error.Message);
        Assert.Throws<ArgumentException>(() => LatentFileFormat.ValidateShape([0, 4], 0));
        Assert.Throws<ArgumentException>(() => LatentFileFormat.ValidateShape(new int[9], 0));
    }
}
