

namespace Diffusion.Lab.Evaluation;

/// <summary>Decoded images ([3,H,W] floats in [-1,1]) to and from 8-bit values, as an image cache stores them.</summary>
public static class ImagePixels
{
    public static byte[] ToBytes(ReadOnlySpan<float> image)
    {
        var bytes = new byte[image.Length];
        for (var i = 0; i < image.Length; i++)
        {
            bytes[i] = (byte)Math.Clamp(MathF.Round((image[i] + 1f) * 127.5f), 0f, 255f);
        }
        return bytes;
    }

    public static float[] ToFloats(ReadOnlySpan<byte> bytes)
    {
        var image = new float[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            image[i] = bytes[i] / 127.5f - 1f;
        }
        return image;
    }

    /// <summary>Mean absolute difference of two images in [0,1] pixel units (the calibration's pixel distance).</summary>
    public static double MeanAbsoluteDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.IsEmpty)
        {
            throw new ArgumentException($"images of different or zero sizes ({a.Length} and {b.Length}).");
        }
        double sum = 0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }
        return sum / a.Length / 2; // [-1,1] → [0,1]
    }
}
