using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.CacheStore;

namespace Diffusion.Cache.Adaptive;

/// <summary>The adaptive table's saved state (JSON): each bucket's K and its arms' recent CLIP scores, so a restart resumes learning.</summary>
internal sealed class AdaptiveKStateFile
{
    public const int CurrentFormat = 1;

    [JsonPropertyName("format")] public int Format { get; set; }
    [JsonPropertyName("calibrated_for")] public string? CalibratedFor { get; set; }
    [JsonPropertyName("edges")] public double[] Edges { get; set; } = [];
    [JsonPropertyName("ladder")] public int[] Ladder { get; set; } = [];
    [JsonPropertyName("baseline")] public double[] Baseline { get; set; } = [];
    [JsonPropertyName("buckets")] public BucketState[] Buckets { get; set; } = [];

    public sealed class BucketState
    {
        [JsonPropertyName("k")] public int K { get; set; }

        /// <summary>Per ladder K, the arm's CLIP scores, oldest first.</summary>
        [JsonPropertyName("arms")] public double[][] Arms { get; set; } = [];
    }

    public static AdaptiveKStateFile Load(string path)
    {
        AdaptiveKStateFile? state;
        try
        {
            state = JsonSerializer.Deserialize<AdaptiveKStateFile>(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not valid JSON: {e.Message}", e);
        }
        if (state is null || state.Format != CurrentFormat)
        {
            throw new InvalidDataException($"format {state?.Format} is not {CurrentFormat}");
        }
        if (state.Buckets.Any(b => b is null || b.Arms is null || b.Arms.Any(a => a is null || a.Any(v => !double.IsFinite(v)))))
        {
            throw new InvalidDataException("a bucket holds a missing arm or a score that is not a number");
        }
        return state;
    }

    /// <summary>Atomically (temp file + rename), creating the directory.</summary>
    public void Save(string path)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(this);
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }
}
