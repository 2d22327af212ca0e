namespace Diffusion.Evaluation;

/// <summary>Objects as peaks of the judge's centre heatmap: a pixel at or above the threshold that is the
/// maximum of its window (ties go to the first pixel in row-major order), as models/training/judging.py.</summary>
public static class CenterPeaks
{
    public static IReadOnlyList<(int X, int Y)> Find(ReadOnlySpan<float> probabilities, int width, int height,
        float threshold, int window)
    {
        var r = window / 2;
        var peaks = new List<(int, int)>();
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var v = probabilities[y * width + x];
                if (v < threshold || !IsMaximum(probabilities, width, height, x, y, r, v))
                {
                    continue;
                }
                peaks.Add((x, y));
            }
        }
        return peaks;
    }

    private static bool IsMaximum(ReadOnlySpan<float> p, int width, int height, int x, int y, int r, float v)
    {
        for (var yy = Math.Max(0, y - r); yy < Math.Min(height, y + r + 1); yy++)
        {
            for (var xx = Math.Max(0, x - r); xx < Math.Min(width, x + r + 1); xx++)
            {
                var u = p[yy * width + xx];
                if (u > v || (u == v && (yy < y || (yy == y && xx < x))))
                {
                    return false;
                }
            }
        }
        return true;
    }
}
