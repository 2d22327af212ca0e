namespace Diffusion.Replay.Arrivals;

/// <summary>Trace record <paramref name="Index"/> is due <paramref name="At"/> after the replay starts.</summary>
public readonly record struct ScheduledRequest(int Index, TimeSpan At);
