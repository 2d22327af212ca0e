using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.Cache;

namespace Diffusion.Lab.Calibration;

/// <summary>
/// The similarities the cache's lookups met on a stretch of traffic: for each request, its best candidate's cosine in one
/// retrieval mode. A calibration weighs its pairs by it, so that its checks average over the similarities traffic
/// brings rather than over the ones the pair planner happened to make.
/// </summary>
/// <param name="Source">Where the values come from, in words (e.g. the bench's trace and table).</param>
public sealed record TrafficSimilarities(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("mode")] string Mode,
    [property: JsonPropertyName("similarities")] IReadOnlyList<double> Values)
{
    public RetrievalMode RetrievalMode => RetrievalModes.Parse(Mode);

    public string ToJson() => JsonSerializer.Serialize(this with { Values = Values.Select(v => Math.Round(v, 4)).ToArray() },
        new JsonSerializerOptions { WriteIndented = true });

    public static TrafficSimilarities Load(string path)
    {
        try
        {
            var loaded = JsonSerializer.Deserialize<TrafficSimilarities>(File.ReadAllBytes(path))
                ?? throw new InvalidDataException($"{path}: empty.");
            if (loaded.Values is null || loaded.Values.Count == 0)
            {
                throw new InvalidDataException($"{path}: no similarities.");
            }
            if (loaded.Values.Any(v => !double.IsFinite(v) || v is < -1.0001 or > 1.0001))
            {
                throw new InvalidDataException($"{path}: similarities must be cosines in [-1, 1].");
            }
            _ = loaded.RetrievalMode; // throws on an unknown mode name
            return loaded;
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not a traffic similarity file ({e.Message}).", e);
        }
    }

    /// <summary>
    /// The pairs, each weighted by its similarity bucket's share of traffic over its share of the pairs (mean weight 1).
    /// Traffic in a bucket without pairs counts towards the nearest bucket that has some, so no traffic is dropped.
    /// </summary>
    public IReadOnlyList<CalibrationPair> Weigh(IReadOnlyList<CalibrationPair> pairs, double bucketWidth)
    {
        var mode = RetrievalMode;
        var usable = pairs.Where(p => double.IsFinite(p.SimilarityFor(mode))).ToArray();
        if (usable.Length == 0)
        {
            return pairs;
        }
        var count = (int)Math.Ceiling(2 / bucketWidth);
        int BucketOf(double s) => Math.Clamp((int)Math.Floor((s + 1) / bucketWidth), 0, count - 1);
        var pairCounts = new int[count];
        foreach (var p in usable)
        {
            pairCounts[BucketOf(p.SimilarityFor(mode))]++;
        }
        var filled = Enumerable.Range(0, count).Where(b => pairCounts[b] > 0).ToArray();
        var traffic = new double[count];
        foreach (var v in Values)
        {
            var b = BucketOf(v);
            traffic[filled.MinBy(f => Math.Abs(f - b))]++;
        }
        return pairs.Select(p =>
        {
            var s = p.SimilarityFor(mode);
            if (!double.IsFinite(s))
            {
                return p with { Weight = 0 };
            }
            var b = BucketOf(s);
            return p with { Weight = traffic[b] / Values.Count / (pairCounts[b] / (double)usable.Length) };
        }).ToArray();
    }
}
