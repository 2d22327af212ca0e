namespace Diffusion.Replay.Records;

/// <summary>What the service said its approximate cache did for one image (the response's <c>cache</c> object).</summary>
public sealed record CacheResult(bool Hit, int K, double? Similarity, string? SourceId);
