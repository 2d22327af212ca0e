using System.Buffers.Binary;
using System.Text.Json;

namespace Diffusion.Engine.Llm;

/// <summary>One tensor of a safetensors file, converted to f32.</summary>
public sealed record FloatTensor(string Name, int[] Shape, float[] Data)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Reads the safetensors format: an 8-byte little-endian header length, a JSON header mapping each
/// tensor name to dtype, shape and [begin, end) byte offsets into the data that follows, then raw
/// little-endian data. F32 and F16 (widened to f32) are supported; anything else is a clear error.
/// </summary>
public static class SafetensorsReader
{
    private const long MaxHeaderBytes = 100L << 20;

    public static IReadOnlyDictionary<string, FloatTensor> Read(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Read(stream, path);
    }

    public static IReadOnlyDictionary<string, FloatTensor> Read(Stream stream, string name)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(stream, lengthBytes, name, "the header length");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        long fileLength = stream.CanSeek ? stream.Length : long.MaxValue;
        if (headerLength == 0 || headerLength > MaxHeaderBytes || 8 + (long)headerLength > fileLength)
        {
            throw new InvalidDataException($"{name}: header length {headerLength} is not plausible for a safetensors file");
        }

        var header = new byte[headerLength];
        ReadExactly(stream, header, name, "the header");
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        using JsonDocument json = ParseHeader(header, name);
        var entries = new List<(string Name, string DType, int[] Shape, long Begin, long End)>();
        foreach (JsonProperty property in json.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                continue;
            }

            entries.Add(ParseEntry(property, name, dataLength));
        }

        // Read in file order so a non-seekable stream works too.
        var tensors = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        long position = dataStart;
        foreach (var e in entries.OrderBy(e => e.Begin))
        {
            long at = dataStart + e.Begin;
            if (at < position)
            {
                throw new InvalidDataException($"{name}: tensor '{e.Name}' overlaps another tensor");
            }

            Skip(stream, at - position, name);
            var raw = new byte[e.End - e.Begin];
            ReadExactly(stream, raw, name, $"tensor '{e.Name}'");
            position = dataStart + e.End;
            tensors.Add(e.Name, new FloatTensor(e.Name, e.Shape, Convert(raw, e.DType)));
        }

        return tensors;
    }

    private static JsonDocument ParseHeader(byte[] header, string name)
    {
        try
        {
            JsonDocument json = JsonDocument.Parse(header);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                json.Dispose();
                throw new InvalidDataException($"{name}: the safetensors header is not a JSON object");
            }

            return json;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{name}: the safetensors header is not valid JSON ({e.Message})", e);
        }
    }

    private static (string, string, int[], long, long) ParseEntry(JsonProperty property, string name, long dataLength)
    {
        JsonElement value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtypeElement)
            || !value.TryGetProperty("shape", out JsonElement shapeElement)
            || !value.TryGetProperty("data_offsets", out JsonElement offsetsElement)
            || offsetsElement.GetArrayLength() != 2)
        {
            throw new InvalidDataException($"{name}: tensor '{property.Name}' needs dtype, shape and two data_offsets");
        }

        string dtype = dtypeElement.GetString() ?? "";
        int elementBytes = dtype switch
        {
            "F32" => 4,
            "F16" => 2,
            _ => throw new NotSupportedException(
                $"{name}: tensor '{property.Name}' has dtype {dtype}; only F32 and F16 are supported"),
        };
        int[] shape = shapeElement.EnumerateArray().Select(d => d.GetInt32()).ToArray();
        if (shape.Any(d => d < 0))
        {
            throw new InvalidDataException($"{name}: tensor '{property.Name}' has a negative dimension");
        }

        long begin = offsetsElement[0].GetInt64();
        long end = offsetsElement[1].GetInt64();
        long expected = shape.Aggregate(1L, (a, b) => a * b) * elementBytes;
        if (begin < 0 || end < begin || end > dataLength || end - begin != expected)
        {
            throw new InvalidDataException(
                $"{name}: tensor '{property.Name}' has offsets [{begin}, {end}) but needs {expected} bytes inside {dataLength}");
        }

        if (expected / elementBytes > Array.MaxLength)
        {
            throw new NotSupportedException($"{name}: tensor '{property.Name}' is too large to load");
        }

        return (property.Name, dtype, shape, begin, end);
    }

    private static float[] Convert(byte[] raw, string dtype)
    {
        if (dtype == "F32")
        {
            var data = new float[raw.Length / 4];
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(i * 4));
            }

            return data;
        }

        var widened = new float[raw.Length / 2];
        for (int i = 0; i < widened.Length; i++)
        {
            widened[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw.AsSpan(i * 2));
        }

        return widened;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string name, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{name}: the file ends inside {what}", e);
        }
    }

    private static void Skip(Stream stream, long bytes, string name)
    {
        if (bytes == 0)
        {
            return;
        }

        if (stream.CanSeek)
        {
            stream.Seek(bytes, SeekOrigin.Current);
            return;
        }

        var scratch = new byte[Math.Min(bytes, 1 << 16)];
        while (bytes > 0)
        {
            int n = (int)Math.Min(bytes, scratch.Length);
            ReadExactly(stream, scratch.AsSpan(0, n), name, "padding between tensors");
            bytes -= n;
        }
    }
}
