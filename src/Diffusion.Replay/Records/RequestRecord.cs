namespace Diffusion.Replay.Records;

/// <summary>
/// One line of requests.jsonl: the trace record as sent, when it was due, sent and answered
/// (seconds from the replay start, and wall-clock), the final HTTP status, and what the service
/// reported. <see cref="LatencySeconds"/> runs from the first send to the final answer, so waits
/// after 429 answers are part of it.
/// </summary>
public sealed record RequestRecord
{
    /// <summary>0-based position of the record in the trace file.</summary>
    public required int Index { get; init; }
    public required string Prompt { get; init; }
    public required string? User { get; init; }
    /// <summary>The seed sent; null when the trace gave none and the server chose.</summary>
    public required long? Seed { get; init; }
    /// <summary>The trace's own label (new, exact_repeat, edit, popular_repeat) when it has one.</summary>
    public string? Kind { get; init; }
    /// <summary>"auto" or "off", the cache mode sent.</summary>
    public required string CacheMode { get; init; }

    public required double ScheduledS { get; init; }
    public required double SentS { get; init; }
    public required double FinishedS { get; init; }
    public required double LatencyS { get; init; }
    public required DateTimeOffset SentAt { get; init; }
    public required DateTimeOffset FinishedAt { get; init; }

    public required RequestOutcome Outcome { get; init; }
    /// <summary>Final HTTP status; null when no answer came (transport error, timeout, abandoned).</summary>
    public required int? Status { get; init; }
    public required string? Error { get; init; }
    /// <summary>HTTP attempts made; <see cref="Retries"/> of them were answered 429.</summary>
    public required int Attempts { get; init; }
    public required int Retries { get; init; }

    public required string? ImageId { get; init; }
    public required string? ImageUrl { get; init; }
    public required long? ImageSeed { get; init; }
    public required CacheResult? Cache { get; init; }
    public required IReadOnlyDictionary<string, double>? Timings { get; init; }
}
