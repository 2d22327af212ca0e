using SkiaSharp;

namespace Diffusion.Inference.Imaging;

/// <summary>Between the VAE's planar [-1,1] tensors and 8-bit RGB PNG files.</summary>
public static class PngImageCodec
{
    /// <summary>[3,H,W] in [-1,1] → interleaved RGBA bytes, as diffusers rounds: round((x/2+0.5).clamp(0,1)·255).</summary>
    public static byte[] ToRgba(ReadOnlySpan<float> planar, int width, int height)
    {
        var plane = width * height;
        if (planar.Length != 3 * plane)
        {
            throw new ArgumentException($"expected 3×{height}×{width} values, got {planar.Length}.");
        }
        var rgba = new byte[4 * plane];
        for (var p = 0; p < plane; p++)
        {
            rgba[4 * p] = ToByte(planar[p]);
            rgba[4 * p + 1] = ToByte(planar[plane + p]);
            rgba[4 * p + 2] = ToByte(planar[2 * plane + p]);
            rgba[4 * p + 3] = 255;
        }
        return rgba;
    }

    private static byte ToByte(float value)
    {
        var unit = Math.Clamp(value / 2f + 0.5f, 0f, 1f);
        // NaN (a diverged model) becomes black rather than an exception
        return float.IsNaN(unit) ? (byte)0 : (byte)MathF.Round(unit * 255f);
    }

    /// <summary>Encodes a [3,H,W] image in [-1,1] as PNG (lossless, deterministic bytes).</summary>
    public static byte[] EncodePng(ReadOnlySpan<float> planar, int width, int height)
    {
        var rgba = ToRgba(planar, width, height);
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the PNG.");
        return data.ToArray();
    }

    /// <summary>Decodes a PNG (or any format Skia reads) to [3,H,W] in [-1,1], e.g. for the image or VAE encoder.</summary>
    public static (float[] Planar, int Width, int Height) DecodeToPlanar(byte[] encoded)
    {
        using var decoded = SKBitmap.Decode(encoded) ?? throw new InvalidDataException("not a decodable image.");
        using var bitmap = decoded.ColorType == SKColorType.Rgba8888 ? decoded.Copy() : decoded.Copy(SKColorType.Rgba8888);
        var width = bitmap.Width;
        var height = bitmap.Height;
        var plane = width * height;
        var planar = new float[3 * plane];
        var pixels = bitmap.GetPixelSpan();
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                planar[c * plane + p] = pixels[4 * p + c] / 127.5f - 1f;
            }
        }
        return (planar, width, height);
    }
}
