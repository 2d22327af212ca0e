using System.Text.Json.Serialization;
using Diffusion.Cache;

namespace Diffusion.Lab.Calibration;

/// <summary>How a target prompt was made from its source.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PairRelation>))]
public enum PairRelation
{
    /// <summary>One attribute edited (colour, texture, object, size, position, count or relation).</summary>
    Edit,

    /// <summary>Two attributes edited.</summary>
    DoubleEdit,

    /// <summary>Another held-out prompt among the source's nearest by CLIP text similarity.</summary>
    Neighbour,
}

/// <summary>What a run from the source's latent at K gave for the target.</summary>
/// <param name="K">Steps skipped, of the reference 50-step run.</param>
/// <param name="Checks">Judge checks passed / made.</param>
/// <param name="PixelDistance">Mean absolute pixel difference to the target's full run, in [0,1] units.</param>
/// <param name="ImageCosine">CLIP image-embedding cosine to the target's full run.</param>
public sealed record KOutcome(
    [property: JsonPropertyName("k")] int K,
    [property: JsonPropertyName("passed")] int Passed,
    [property: JsonPropertyName("checks")] int Checks,
    [property: JsonPropertyName("pixel_distance")] double PixelDistance,
    [property: JsonPropertyName("image_cosine")] double ImageCosine);

/// <summary>One measured source → target pair.</summary>
/// <param name="PromptSimilarity">Text–text cosine of source and target (prompt→prompt retrieval).</param>
/// <param name="ImageSimilarity">Cosine of the target's text embedding and the source's final image embedding (prompt→image retrieval).</param>
public sealed record CalibrationPair(
    [property: JsonPropertyName("source")] string Source,
    [property: JsonPropertyName("target")] string Target,
    [property: JsonPropertyName("relation")] PairRelation Relation,
    [property: JsonPropertyName("seed")] ulong Seed,
    [property: JsonPropertyName("prompt_similarity")] double PromptSimilarity,
    [property: JsonPropertyName("image_similarity")] double ImageSimilarity,
    [property: JsonPropertyName("full_passed")] int FullPassed,
    [property: JsonPropertyName("full_checks")] int FullChecks,
    [property: JsonPropertyName("by_k")] IReadOnlyList<KOutcome> ByK)
{
    /// <summary>How much the pair counts in the analysis: 1, or its share of traffic over its share of the pairs (<see cref="TrafficSimilarities.Weigh"/>).</summary>
    [JsonIgnore]
    public double Weight { get; init; } = 1;

    public double SimilarityFor(RetrievalMode mode) => mode == RetrievalMode.PromptToPrompt ? PromptSimilarity : ImageSimilarity;

    public KOutcome At(int k) => ByK.First(o => o.K == k);
}
