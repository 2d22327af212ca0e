namespace Diffusion.Engine.Scheduling;

/// <summary>Scheduling attributes every request has.</summary>
public sealed record RequestOptions
{
    public static readonly RequestOptions Default = new();

    /// <summary>Higher runs first; equal priorities run in arrival order.</summary>
    public int Priority { get; init; }

    /// <summary>When set and passed at an iteration boundary, the request ends with DeadlineExceeded.</summary>
    public DateTimeOffset? Deadline { get; init; }
}
