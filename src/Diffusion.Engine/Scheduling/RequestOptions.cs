namespace Diffusion.Engine.Scheduling;

/// <summary>Scheduling attributes every request has.</summary>
public sealed record RequestOptions
{
    public static readonly RequestOptions Default = new();

    /// <summary>Higher runs first; equal priorities run in arrival order.</summary>
    public int Priority { get; init; }

    /// <summary>When set and passed at an iteration boundary, the request ends with DeadlineExceeded.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Its service level: interactive (with <see cref="Due"/>) or batch.</summary>
    public SloClass Class { get; init; } = SloClass.Interactive;

    /// <summary>
    /// When the request should be done (its SLO). Unlike <see cref="Deadline"/> a due time that passes does not end
    /// the request; the deadline-aware policies order and admit by it, and the engine counts the miss.
    /// </summary>
    public DateTimeOffset? Due { get; init; }

    /// <summary>
    /// When the caller started counting towards <see cref="Due"/> (the user's request arrived; for the image part of an
    /// expanded prompt that is before the engine saw it). The late-aging rule measures the due window from here; none:
    /// from the request's arrival at the engine.
    /// </summary>
    public DateTimeOffset? DueCountedFrom { get; init; }
}
