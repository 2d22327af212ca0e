using Microsoft.ML.OnnxRuntime.Tensors;

namespace Diffusion.Inference.Onnx;

/// <summary>
/// Our CLIP image encoder: <c>pixel_values</c> [B,3,H,W] RGB in [-1,1] → <c>image_embeds</c> [B,E]
/// (projected, not normalised). SD 1.5 exports have none.
/// </summary>
public sealed class ImageEncoderModel : IDisposable
{
    private const string InputName = "pixel_values";
    private readonly string[] _outputNames;

    public ImageEncoderModel(OnnxModelSession session)
    {
        Session = session;
        var input = session.Input(InputName);
        TensorMetadata.RequireType(session, InputName, input, TensorElementType.Float);
        TensorMetadata.RequireRank(session, InputName, input, 4);
        _outputNames = [session.Outputs.ContainsKey("image_embeds") ? "image_embeds" : session.Outputs.Keys.First()];
        ImageHeight = TensorMetadata.Fixed(input, 2);
        ImageWidth = TensorMetadata.Fixed(input, 3);
    }

    public OnnxModelSession Session { get; }

    /// <summary>The input size the export fixes, or null when symbolic.</summary>
    public int? ImageHeight { get; }

    public int? ImageWidth { get; }

    /// <summary>Embeds [count,3,height,width] images in [-1,1]; returns [count, E] row-major and E.</summary>
    public (float[] Embeddings, int Size) Encode(ReadOnlySpan<float> images, int count, int height, int width)
    {
        if (images.Length != count * 3 * height * width)
        {
            throw new ArgumentException($"expected {count}×3×{height}×{width} pixel values, got {images.Length}.");
        }
        if ((ImageHeight is { } h && h != height) || (ImageWidth is { } w && w != width))
        {
            throw new ArgumentException($"the image encoder takes {ImageHeight}×{ImageWidth} images, got {height}×{width}.");
        }
        using var input = TensorMetadata.Float(images.ToArray(), count, 3, height, width);
        using var outputs = Session.Run([InputName], [input], _outputNames);
        var value = outputs.First();
        return (value.GetTensorDataAsSpan<float>().ToArray(), TensorMetadata.Shape(value)[^1]);
    }

    public void Dispose() => Session.Dispose();
}
