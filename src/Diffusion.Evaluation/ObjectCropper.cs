namespace Diffusion.Evaluation;

/// <summary>
/// The square crop the judge's classifier sees around an object, resampled bilinearly to a fixed size;
/// the same arithmetic as models/training/judging.py (crop_box, crop): side = longest box side × margin +
/// padding, centred on the box; sample centres at left + (j + 0.5)·side/size − 0.5, clamped to the image.
/// </summary>
public sealed class ObjectCropper(int size, float margin, float padding)
{
    public int Size { get; } = size;

    /// <summary>Writes the crop of <paramref name="image"/> ([3,H,W], any range) around the segment into
    /// <paramref name="destination"/> ([3,size,size]).</summary>
    /// <summary>The crop around a box of <paramref name="boxWidth"/>×<paramref name="boxHeight"/> centred at
    /// (<paramref name="centerX"/>, <paramref name="centerY"/>) in continuous pixel coordinates.</summary>
    public void Crop(ReadOnlySpan<float> image, int width, int height, float centerX, float centerY, float boxWidth,
        float boxHeight, Span<float> destination)
    {
        var side = Math.Max(boxWidth, boxHeight) * margin + padding;
        var left = centerX - side / 2f;
        var top = centerY - side / 2f;
        Span<int> xa = stackalloc int[Size], xb = stackalloc int[Size], ya = stackalloc int[Size], yb = stackalloc int[Size];
        Span<float> fx = stackalloc float[Size], fy = stackalloc float[Size];
        for (var j = 0; j < Size; j++)
        {
            Axis(left + (j + 0.5f) * side / Size - 0.5f, width, out xa[j], out xb[j], out fx[j]);
            Axis(top + (j + 0.5f) * side / Size - 0.5f, height, out ya[j], out yb[j], out fy[j]);
        }
        var plane = width * height;
        for (var c = 0; c < 3; c++)
        {
            var src = image.Slice(c * plane, plane);
            var dst = destination.Slice(c * Size * Size, Size * Size);
            for (var i = 0; i < Size; i++)
            {
                for (var j = 0; j < Size; j++)
                {
                    var top0 = src[ya[i] * width + xa[j]] * (1 - fx[j]) + src[ya[i] * width + xb[j]] * fx[j];
                    var bottom = src[yb[i] * width + xa[j]] * (1 - fx[j]) + src[yb[i] * width + xb[j]] * fx[j];
                    dst[i * Size + j] = top0 * (1 - fy[i]) + bottom * fy[i];
                }
            }
        }
    }

    private static void Axis(float coordinate, int extent, out int low, out int high, out float fraction)
    {
        var clamped = Math.Clamp(coordinate, 0f, extent - 1);
        low = (int)MathF.Floor(clamped);
        high = Math.Min(low + 1, extent - 1);
        fraction = clamped - low;
    }
}
