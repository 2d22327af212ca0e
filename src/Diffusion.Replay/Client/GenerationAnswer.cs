using Diffusion.Replay.Records;

namespace Diffusion.Replay.Client;

/// <summary>The final result of sending one request, after any retries.</summary>
public sealed record GenerationAnswer(
    RequestOutcome Outcome,
    int? Status,
    string? Error,
    int Attempts,
    int Retries,
    string? ImageId = null,
    string? ImageUrl = null,
    long? ImageSeed = null,
    CacheResult? Cache = null,
    IReadOnlyDictionary<string, double>? Timings = null);
