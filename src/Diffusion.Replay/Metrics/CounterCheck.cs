namespace Diffusion.Replay.Metrics;

/// <summary>How the replay's own count of something compares with the server's counter delta.</summary>
public enum CheckStatus
{
    Match,
    Mismatch,

    /// <summary>The server does not report this counter (before or after the pass).</summary>
    NotReported,
}

/// <summary>One line of the comparison: the replay's count, the server's delta over the pass, and the verdict.</summary>
public sealed record CounterCheck(string Name, string Description, long Ours, double? ServerDelta, string? Source, CheckStatus Status);
