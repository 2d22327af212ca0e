namespace Diffusion.Evaluation;

/// <summary>A connected segment of object pixels: area, centroid and inclusive bounding box.</summary>
public readonly record struct Segment(int Area, float CenterX, float CenterY, int X0, int Y0, int X1, int Y1);

/// <summary>8-connected components of a mask; components smaller than the minimum area are dropped as noise.</summary>
public static class ComponentLabeler
{
    public static IReadOnlyList<Segment> Find(ReadOnlySpan<bool> mask, int width, int height, int minArea)
    {
        var seen = new bool[mask.Length];
        var found = new List<Segment>();
        var stack = new Stack<int>();
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || seen[start])
            {
                continue;
            }
            seen[start] = true;
            stack.Push(start);
            int area = 0, x0 = width, y0 = height, x1 = -1, y1 = -1;
            double sumX = 0, sumY = 0;
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                int y = p / width, x = p % width;
                area++;
                sumX += x;
                sumY += y;
                (x0, y0, x1, y1) = (Math.Min(x0, x), Math.Min(y0, y), Math.Max(x1, x), Math.Max(y1, y));
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        int ny = y + dy, nx = x + dx;
                        if (ny < 0 || ny >= height || nx < 0 || nx >= width)
                        {
                            continue;
                        }
                        var q = ny * width + nx;
                        if (!seen[q] && mask[q])
                        {
                            seen[q] = true;
                            stack.Push(q);
                        }
                    }
                }
            }
            if (area >= minArea)
            {
                found.Add(new Segment(area, (float)(sumX / area), (float)(sumY / area), x0, y0, x1, y1));
            }
        }
        return found;
    }
}
