namespace Diffusion.Replay.Traces;

/// <summary>
/// One row of a trace file as read back: a generated trace has every field; a real log may lack
/// time, user, seed and kind. <see cref="Seconds"/> is the request time in seconds from any origin.
/// </summary>
public sealed record TraceRecord(string Prompt, double? Seconds, string? User, long? Seed, TraceRequestKind? Kind)
{
    public static TraceRecord From(TraceRequest request) =>
        new(request.Prompt, request.At.TotalSeconds, request.User, request.Seed, request.Kind);
}
