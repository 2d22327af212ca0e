namespace Diffusion.Evaluation;

/// <summary>8-connected components of non-background pixels in a class map; each component takes its
/// majority class and components smaller than the minimum area are dropped as noise.</summary>
public static class ComponentLabeler
{
    public static IReadOnlyList<FoundObject> Find(ReadOnlySpan<int> labels, int width, int height, int minArea,
        IReadOnlyList<string> classNames)
    {
        var seen = new bool[labels.Length];
        var found = new List<FoundObject>();
        var stack = new Stack<int>();
        var votes = new Dictionary<int, int>();
        for (var start = 0; start < labels.Length; start++)
        {
            if (labels[start] == 0 || seen[start])
            {
                continue;
            }
            seen[start] = true;
            stack.Push(start);
            votes.Clear();
            int area = 0;
            double sumX = 0, sumY = 0;
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                int y = p / width, x = p % width;
                area++;
                sumX += x;
                sumY += y;
                votes[labels[p]] = votes.GetValueOrDefault(labels[p]) + 1;
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
                        if (!seen[q] && labels[q] != 0)
                        {
                            seen[q] = true;
                            stack.Push(q);
                        }
                    }
                }
            }
            if (area < minArea)
            {
                continue;
            }
            // majority class; ties go to the lowest class id, as numpy's bincount().argmax() does
            var best = votes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key).First().Key;
            found.Add(new FoundObject(classNames[best - 1], area, (float)(sumX / area), (float)(sumY / area)));
        }
        return found;
    }
}
