using Diffusion.Replay.Records;

namespace Diffusion.Replay.Running;

/// <summary>
/// What one pass did: a record per sent request (in trace order), how many scheduled requests
/// were never sent because the replay was stopped, and its span.
/// </summary>
public sealed record PassResult(
    PassSettings Settings,
    IReadOnlyList<RequestRecord> Records,
    int Scheduled,
    int NotSent,
    bool Interrupted,
    DateTimeOffset StartedAt,
    TimeSpan Elapsed)
{
    public int Sent => Scheduled - NotSent;
}
