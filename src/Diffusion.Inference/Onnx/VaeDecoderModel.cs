using Microsoft.ML.OnnxRuntime.Tensors;

namespace Diffusion.Inference.Onnx;

/// <summary>
/// The VAE decoder: <c>latent_sample</c> [B,C,h,w] (already divided by the scaling factor) →
/// <c>sample</c> [B,3,H,W] in [-1, 1].
/// </summary>
public sealed class VaeDecoderModel : IDisposable
{
    private const string InputName = "latent_sample";
    private readonly string[] _outputNames;

    public VaeDecoderModel(OnnxModelSession session, float scalingFactor)
    {
        if (!(scalingFactor > 0) || !float.IsFinite(scalingFactor))
        {
            throw new ArgumentOutOfRangeException(nameof(scalingFactor), scalingFactor, "the VAE scaling factor must be positive.");
        }
        Session = session;
        ScalingFactor = scalingFactor;
        var input = session.Input(InputName);
        TensorMetadata.RequireType(session, InputName, input, TensorElementType.Float);
        TensorMetadata.RequireRank(session, InputName, input, 4);
        _outputNames = [session.Outputs.ContainsKey("sample") ? "sample" : session.Outputs.Keys.Single()];
        var output = session.Output(_outputNames[0]);
        TensorMetadata.RequireRank(session, _outputNames[0], output, 4);
        // the spatial up-sampling factor, when the export fixes both sizes
        var inSize = TensorMetadata.Fixed(input, 2);
        var outSize = TensorMetadata.Fixed(output, 2);
        UpscaleFactor = inSize is > 0 && outSize is > 0 ? outSize.Value / inSize.Value : null;
    }

    public OnnxModelSession Session { get; }

    public float ScalingFactor { get; }

    /// <summary>Image side / latent side when the export fixes both; null when symbolic.</summary>
    public int? UpscaleFactor { get; }

    /// <summary>Decodes <paramref name="count"/> scheduler-space latents (multiplied by the scaling factor) to images.</summary>
    public DecodedImages Decode(ReadOnlySpan<float> scaledLatents, int count, int channels, int height, int width)
    {
        var length = count * channels * height * width;
        if (count < 1 || scaledLatents.Length != length)
        {
            throw new ArgumentException($"expected {count}×{channels}×{height}×{width} = {length} latent values, got {scaledLatents.Length}.");
        }
        var unscaled = new float[length];
        var inverse = 1f / ScalingFactor;
        for (var i = 0; i < length; i++)
        {
            unscaled[i] = scaledLatents[i] * inverse;
        }
        using var input = TensorMetadata.Float(unscaled, count, channels, height, width);
        using var outputs = Session.Run([InputName], [input], _outputNames);
        var value = outputs.First();
        var shape = TensorMetadata.Shape(value);
        return new DecodedImages(shape[0], shape[2], shape[3], value.GetTensorDataAsSpan<float>().ToArray());
    }

    public void Dispose() => Session.Dispose();
}

/// <summary>Decoded images, [Count,3,Height,Width] in [-1, 1].</summary>
public sealed record DecodedImages(int Count, int Height, int Width, float[] Pixels)
{
    public ReadOnlySpan<float> Image(int index) => Pixels.AsSpan(index * 3 * Height * Width, 3 * Height * Width);
}
