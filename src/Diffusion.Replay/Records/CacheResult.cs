namespace Diffusion.Replay.Records;

/// <summary>What the service said its approximate cache did for one image (the response's <c>cache</c> object).</summary>
public sealed record CacheResult(bool Hit, int K, double? Similarity, string? SourceId)
{
    /// <summary>The cache entry this request's own run was stored as (the response's <c>stored_as</c>), when stored.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? StoredAs { get; init; }
}
