namespace Diffusion.Replay.Records;

/// <summary>How one replayed request ended. Every sent request ends in exactly one of these.</summary>
public enum RequestOutcome
{
    /// <summary>200 with an image.</summary>
    Succeeded,

    /// <summary>An error answer (other than 429), a transport error, a timeout, or 429 beyond the retry limit.</summary>
    Failed,

    /// <summary>Still unanswered when the replay stopped and the drain time ran out.</summary>
    Abandoned,
}
