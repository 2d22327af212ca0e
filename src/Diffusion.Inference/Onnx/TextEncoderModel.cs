using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Diffusion.Inference.Onnx;

/// <summary>
/// The CLIP text encoder: <c>input_ids</c> (int32 or int64, [B,77]) → <c>last_hidden_state</c> [B,77,D]
/// and, when the model has them, <c>pooler_output</c> [B,D] and <c>text_embeds</c> [B,E].
/// </summary>
public sealed class TextEncoderModel : IDisposable
{
    private const string InputIds = "input_ids";
    private const string LastHiddenState = "last_hidden_state";
    private const string PoolerOutput = "pooler_output";
    private const string TextEmbeds = "text_embeds";

    private readonly bool _int64Ids;
    private readonly string[] _outputNames;

    public TextEncoderModel(OnnxModelSession session)
    {
        Session = session;
        var ids = session.Input(InputIds);
        TensorMetadata.RequireType(session, InputIds, ids, TensorElementType.Int32, TensorElementType.Int64);
        TensorMetadata.RequireRank(session, InputIds, ids, 2);
        _int64Ids = ids.ElementDataType == TensorElementType.Int64;
        var hidden = session.Output(LastHiddenState);
        TensorMetadata.RequireRank(session, LastHiddenState, hidden, 3);
        HasPooled = session.Outputs.ContainsKey(PoolerOutput);
        HasTextEmbeds = session.Outputs.ContainsKey(TextEmbeds);
        _outputNames = new[] { LastHiddenState, PoolerOutput, TextEmbeds }.Where(session.Outputs.ContainsKey).ToArray();
    }

    public OnnxModelSession Session { get; }

    public bool HasPooled { get; }

    public bool HasTextEmbeds { get; }

    /// <summary>Encodes a batch of 77-id rows (all the same length).</summary>
    public TextEncoding Encode(IReadOnlyList<int[]> idRows)
    {
        if (idRows.Count == 0)
        {
            throw new ArgumentException("at least one row of ids is needed.", nameof(idRows));
        }
        var length = idRows[0].Length;
        if (idRows.Any(r => r.Length != length))
        {
            throw new ArgumentException("all id rows must have the same length.", nameof(idRows));
        }
        var batch = idRows.Count;
        using var input = _int64Ids
            ? TensorMetadata.Int64(idRows.SelectMany(r => r.Select(v => (long)v)).ToArray(), batch, length)
            : TensorMetadata.Int32(idRows.SelectMany(r => r).ToArray(), batch, length);
        using var outputs = Session.Run([InputIds], [input], _outputNames);

        float[]? hidden = null;
        float[]? pooled = null;
        float[]? embeds = null;
        int hiddenSize = 0, embedSize = 0;
        for (var i = 0; i < _outputNames.Length; i++)
        {
            var value = outputs.ElementAt(i);
            var data = value.GetTensorDataAsSpan<float>().ToArray();
            var shape = TensorMetadata.Shape(value);
            switch (_outputNames[i])
            {
                case LastHiddenState:
                    hidden = data;
                    hiddenSize = shape[2];
                    break;
                case PoolerOutput:
                    pooled = data;
                    break;
                case TextEmbeds:
                    embeds = data;
                    embedSize = shape[^1];
                    break;
                default:
                    throw new InvalidOperationException($"unexpected output {_outputNames[i]}");
            }
        }
        return new TextEncoding(batch, length, hiddenSize,
            hidden ?? throw new InvalidDataException($"{Session.ModelPath} returned no {LastHiddenState}."),
            pooled, embeds, embedSize);
    }

    public void Dispose() => Session.Dispose();
}

/// <summary>Text encoder outputs for a batch; arrays are row-major [B,...].</summary>
public sealed record TextEncoding(int BatchSize, int SequenceLength, int HiddenSize, float[] HiddenStates,
    float[]? Pooled, float[]? TextEmbeds, int EmbedSize)
{
    public ReadOnlySpan<float> HiddenStatesOf(int row) => HiddenStates.AsSpan(row * SequenceLength * HiddenSize, SequenceLength * HiddenSize);

    public ReadOnlySpan<float> TextEmbedsOf(int row) => TextEmbeds is null ? default : TextEmbeds.AsSpan(row * EmbedSize, EmbedSize);
}
