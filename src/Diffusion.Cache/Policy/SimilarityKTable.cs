using System.Text.Json.Serialization;

namespace Diffusion.Cache.Policy;

/// <summary>One row of a similarity→K table: a similarity strictly above <see cref="MinSimilarity"/> may skip <see cref="K"/> steps (of the reference run).</summary>
public sealed record SimilarityThreshold(
    [property: JsonPropertyName("min_similarity")] double MinSimilarity,
    [property: JsonPropertyName("k")] int K);

/// <summary>
/// Maps a cosine similarity to the number of steps a hit may skip (in steps of the reference 50-step run;
/// <see cref="CachePoints.Scale"/> converts). The largest K whose threshold the similarity exceeds wins;
/// below every threshold it is a miss (K = 0). Data, not code: loaded from k-table.json.
/// </summary>
public sealed record SimilarityKTable
{
    public SimilarityKTable(IReadOnlyList<SimilarityThreshold> thresholds)
    {
        ArgumentNullException.ThrowIfNull(thresholds);
        Thresholds = thresholds.OrderByDescending(t => t.K).ToArray();
    }

    /// <summary>NIRVANA's table on CLIP cosine: &gt;0.95→25, &gt;0.90→20, &gt;0.85→15, &gt;0.75→10, &gt;0.65→5.</summary>
    public static SimilarityKTable Nirvana { get; } = new([new(0.95, 25), new(0.90, 20), new(0.85, 15), new(0.75, 10), new(0.65, 5)]);

    /// <summary>Rows by K, descending.</summary>
    public IReadOnlyList<SimilarityThreshold> Thresholds { get; }

    /// <summary>The largest K whose threshold <paramref name="similarity"/> exceeds, or 0 (a miss).</summary>
    public int KFor(double similarity)
    {
        var best = 0;
        foreach (var row in Thresholds)
        {
            if (similarity > row.MinSimilarity && row.K > best)
            {
                best = row.K;
            }
        }
        return best;
    }

    /// <summary>
    /// The Ks some similarity selects, descending: a K whose threshold is not below every larger K's is never
    /// chosen (a similarity that clears it also clears the larger K's, which wins).
    /// </summary>
    public IReadOnlyList<int> ReachableKs()
    {
        var reachable = new List<int>();
        var lowestLarger = double.PositiveInfinity;
        foreach (var row in Thresholds)
        {
            if (row.MinSimilarity < lowestLarger)
            {
                reachable.Add(row.K);
            }
            lowestLarger = Math.Min(lowestLarger, row.MinSimilarity);
        }
        return reachable;
    }

    /// <summary>The lowest similarity that gives any hit (+∞ when the table is empty).</summary>
    public double HitThreshold => Thresholds.Count == 0 ? double.PositiveInfinity : Thresholds.Min(t => t.MinSimilarity);

    /// <summary>Problems with this table against the cache points, or none.</summary>
    public IEnumerable<string> Problems(CachePoints points, string name)
    {
        foreach (var row in Thresholds)
        {
            if (!points.ReferenceKs.Contains(row.K))
            {
                yield return $"{name}: K {row.K} is not a cache point ({string.Join(", ", points.ReferenceKs)}).";
            }
            if (!double.IsFinite(row.MinSimilarity) || row.MinSimilarity < -1 || row.MinSimilarity > 1)
            {
                yield return $"{name}: the threshold for K {row.K} is {row.MinSimilarity}; a cosine similarity threshold lies in [-1, 1].";
            }
        }
        if (Thresholds.Select(t => t.K).Distinct().Count() != Thresholds.Count)
        {
            yield return $"{name}: a K appears twice.";
        }
        // skipping more steps must never need less similarity
        for (var i = 1; i < Thresholds.Count; i++)
        {
            if (Thresholds[i - 1].MinSimilarity < Thresholds[i].MinSimilarity)
            {
                yield return $"{name}: K {Thresholds[i - 1].K} has a lower threshold ({Thresholds[i - 1].MinSimilarity}) than K {Thresholds[i].K} ({Thresholds[i].MinSimilarity}).";
            }
        }
    }

    public override string ToString() => string.Join(", ", Thresholds.Select(t => $">{t.MinSimilarity:0.###}→{t.K}"));
}
