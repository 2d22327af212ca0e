using System.Buffers.Binary;
using System.Text;
using Diffusion.Engine.Llm;

namespace Diffusion.Engine.Tests.Llm;

public sealed class SafetensorsReaderTests
{
    private static MemoryStream File(string header, byte[] data)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var stream = new MemoryStream();
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        stream.Write(length);
        stream.Write(json);
        stream.Write(data);
        stream.Position = 0;
        return stream;
    }

    [Fact]
    public void Reads_the_fixture_model_with_documented_names_and_shapes()
    {
        IReadOnlyDictionary<string, FloatTensor> tensors = SafetensorsReader.Read(Path.Combine(TinyLlmFixture.LlmDirectory, "model.safetensors"));
        Assert.Equal([600, 64], tensors["wte"].Shape);
        Assert.Equal([256, 64], tensors["h.1.mlp.fc_in.weight"].Shape);
        Assert.Equal(600 * 64, tensors["wte"].Data.Length);
        Assert.Equal(4 + (2 * 16), tensors.Count);
    }

    [Fact]
    public void Widens_f16_and_reads_f32_little_endian()
    {
        var data = new byte[4 + 4];
        BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(0), (Half)1.5f);
        BinaryPrimitives.WriteHalfLittleEndian(data.AsSpan(2), (Half)(-0.25f));
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), 3.25f);
        string header = """{"__metadata__":{"format":"pt"},"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"f":{"dtype":"F32","shape":[1,1],"data_offsets":[4,8]}}""";
        IReadOnlyDictionary<string, FloatTensor> tensors = SafetensorsReader.Read(File(header, data), "test");
        Assert.Equal([1.5f, -0.25f], tensors["h"].Data);
        Assert.Equal([3.25f], tensors["f"].Data);
    }

    [Fact]
    public void Rejects_unsupported_dtypes_bad_offsets_and_truncated_files_clearly()
    {
        var data = new byte[8];
        NotSupportedException dtype = Assert.Throws<NotSupportedException>(() => SafetensorsReader.Read(
            File("""{"x":{"dtype":"BF16","shape":[4],"data_offsets":[0,8]}}""", data), "test"));
        Assert.Contains("BF16", dtype.Message);

        InvalidDataException offsets = Assert.Throws<InvalidDataException>(() => SafetensorsReader.Read(
            File("""{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", data), "test"));
        Assert.Contains("needs 12 bytes", offsets.Message);

        Assert.Throws<InvalidDataException>(() => SafetensorsReader.Read(
            File("""{"x":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", data), "test"));
        Assert.Throws<InvalidDataException>(() => SafetensorsReader.Read(File("not json", data), "test"));
        Assert.Throws<InvalidDataException>(() => SafetensorsReader.Read(new MemoryStream([1, 2, 3]), "test"));
    }

    [Fact]
    public void Missing_or_misshapen_weights_name_the_tensor()
    {
        LlmConfig config = TinyLlmFixture.Model.Config;
        var tensors = SafetensorsReader.Read(Path.Combine(TinyLlmFixture.LlmDirectory, "model.safetensors"))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        tensors.Remove("h.1.attn.k_proj.bias");
        InvalidDataException missing = Assert.Throws<InvalidDataException>(() => LlmWeights.From(tensors, config, "test"));
        Assert.Contains("h.1.attn.k_proj.bias", missing.Message);

        InvalidDataException shape = Assert.Throws<InvalidDataException>(() => LlmWeights.From(tensors, config with { ModelDim = 32 }, "test"));
        Assert.Contains("expected", shape.Message);
    }
}
