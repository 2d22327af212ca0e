using Microsoft.ML.OnnxRuntime.Tensors;

namespace Diffusion.Inference.Onnx;

/// <summary>
/// The VAE encoder: <c>sample</c> [B,3,H,W] in [-1,1] → <c>latent_sample</c> [B,C,h,w] (unscaled);
/// the result is multiplied by the scaling factor into scheduler space.
/// </summary>
public sealed class VaeEncoderModel : IDisposable
{
    private const string InputName = "sample";
    private readonly string[] _outputNames;

    public VaeEncoderModel(OnnxModelSession session, float scalingFactor)
    {
        Session = session;
        ScalingFactor = scalingFactor;
        var input = session.Input(InputName);
        TensorMetadata.RequireType(session, InputName, input, TensorElementType.Float);
        TensorMetadata.RequireRank(session, InputName, input, 4);
        _outputNames = [session.Outputs.ContainsKey("latent_sample") ? "latent_sample" : session.Outputs.Keys.First()];
    }

    public OnnxModelSession Session { get; }

    public float ScalingFactor { get; }

    /// <summary>Encodes [count,3,height,width] images in [-1,1] to scaled latents; returns (latents, shape).</summary>
    public (float[] Latents, int[] Shape) Encode(ReadOnlySpan<float> images, int count, int height, int width)
    {
        if (images.Length != count * 3 * height * width)
        {
            throw new ArgumentException($"expected {count}×3×{height}×{width} pixel values, got {images.Length}.");
        }
        using var input = TensorMetadata.Float(images.ToArray(), count, 3, height, width);
        using var outputs = Session.Run([InputName], [input], _outputNames);
        var value = outputs.First();
        var latents = value.GetTensorDataAsSpan<float>().ToArray();
        for (var i = 0; i < latents.Length; i++)
        {
            latents[i] *= ScalingFactor;
        }
        return (latents, TensorMetadata.Shape(value));
    }

    public void Dispose() => Session.Dispose();
}
