namespace Diffusion.Cli.Bench;

/// <summary>
/// Writes, in memory, the ONNX protobuf of a graph with a single MatMul C[M,N] = A[M,K]·B[K,N]
/// (float32, opset 13), so the bench can measure ONNX Runtime's SGEMM peak without a model file.
/// Only the few protobuf fields such a graph needs are encoded.
/// </summary>
public static class MatMulModelBuilder
{
    public static byte[] Build(int m, int k, int n)
    {
        var node = Message(w =>
        {
            w.String(1, "A");
            w.String(1, "B");
            w.String(2, "C");
            w.String(3, "matmul");
            w.String(4, "MatMul");
        });
        var graph = Message(w =>
        {
            w.Bytes(1, node);
            w.String(2, "sgemm");
            w.Bytes(11, ValueInfo("A", m, k));
            w.Bytes(11, ValueInfo("B", k, n));
            w.Bytes(12, ValueInfo("C", m, n));
        });
        var opset = Message(w =>
        {
            w.String(1, "");
            w.Varint(2, 13);
        });
        return Message(w =>
        {
            w.Varint(1, 7); // ir_version
            w.String(2, "diffusion-bench");
            w.Bytes(7, graph);
            w.Bytes(8, opset);
        });
    }

    private static byte[] ValueInfo(string name, params long[] dims)
    {
        var shape = Message(w =>
        {
            foreach (var d in dims)
            {
                w.Bytes(1, Message(dim => dim.Varint(1, (ulong)d)));
            }
        });
        var tensor = Message(w =>
        {
            w.Varint(1, 1); // FLOAT
            w.Bytes(2, shape);
        });
        var type = Message(w => w.Bytes(1, tensor));
        return Message(w =>
        {
            w.String(1, name);
            w.Bytes(2, type);
        });
    }

    private static byte[] Message(Action<ProtoWriter> write)
    {
        var writer = new ProtoWriter();
        write(writer);
        return writer.ToArray();
    }

    private sealed class ProtoWriter
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, ulong value)
        {
            Raw(((ulong)field << 3) | 0);
            Raw(value);
        }

        public void String(int field, string value) => Bytes(field, System.Text.Encoding.UTF8.GetBytes(value));

        public void Bytes(int field, byte[] value)
        {
            Raw(((ulong)field << 3) | 2);
            Raw((ulong)value.Length);
            _stream.Write(value);
        }

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }

        public byte[] ToArray() => _stream.ToArray();
    }
}
