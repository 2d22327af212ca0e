

namespace Diffusion.Lab.Traces;

/// <summary>
/// Decides whether one prompt is a small edit of another: their word-level Levenshtein distance d
/// satisfies 0 &lt; d ≤ threshold × (words in the longer prompt). The threshold comes from
/// trace-params.json so the real logs and generated traces are measured alike.
/// </summary>
public sealed class SmallEditRule
{
    public SmallEditRule(double relativeThreshold)
    {
        if (!(relativeThreshold > 0 && relativeThreshold < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(relativeThreshold), relativeThreshold, "The relative edit threshold must lie in (0, 1).");
        }

        RelativeThreshold = relativeThreshold;
    }

    public double RelativeThreshold { get; }

    /// <summary>The word distance when <paramref name="b"/> is a small edit of <paramref name="a"/>, else null.</summary>
    public int? SmallEditDistance(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var limit = RelativeThreshold * Math.Max(a.Count, b.Count);
        if (Math.Abs(a.Count - b.Count) > limit)
        {
            return null; // the distance is at least the length difference
        }

        var d = WordDistance(a, b);
        return d > 0 && d <= limit ? d : null;
    }

    /// <summary>Levenshtein distance over words (insert, delete, substitute one word).</summary>
    public static int WordDistance(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        var previous = new int[b.Count + 1];
        var current = new int[b.Count + 1];
        for (var j = 0; j <= b.Count; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Count; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Count; j++)
            {
                var substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), substitute);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Count];
    }
}
