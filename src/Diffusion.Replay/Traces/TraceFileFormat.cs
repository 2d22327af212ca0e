namespace Diffusion.Replay.Traces;

/// <summary>
/// The two trace file formats the replay tool reads, chosen by file extension.
/// <list type="bullet">
/// <item><c>.tsv</c>: a header row <c>prompt	timestamp	user	seed</c>, then one request per line.</item>
/// <item><c>.jsonl</c>: one object per line, <c>{"prompt","timestamp","user","seed","kind"}</c>.</item>
/// </list>
/// <c>timestamp</c> is seconds since the trace began (milliseconds precision); <c>kind</c> is one
/// of <c>new</c>, <c>exact_repeat</c>, <c>edit</c>, <c>popular_repeat</c>.
/// </summary>
public enum TraceFileFormat
{
    Tsv,
    Jsonl,
}

public static class TraceFileFormats
{
    public static TraceFileFormat FromPath(string path) =>
        Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".tsv" => TraceFileFormat.Tsv,
            ".jsonl" => TraceFileFormat.Jsonl,
            var other => throw new ArgumentException($"'{path}': a trace file ends in .tsv or .jsonl, not '{other}'.", nameof(path)),
        };

    public static string KindName(TraceRequestKind kind) => kind switch
    {
        TraceRequestKind.New => "new",
        TraceRequestKind.ExactRepeat => "exact_repeat",
        TraceRequestKind.Edit => "edit",
        TraceRequestKind.PopularRepeat => "popular_repeat",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown request kind."),
    };

    public static TraceRequestKind? ParseKind(string name) => name switch
    {
        "new" => TraceRequestKind.New,
        "exact_repeat" => TraceRequestKind.ExactRepeat,
        "edit" => TraceRequestKind.Edit,
        "popular_repeat" => TraceRequestKind.PopularRepeat,
        _ => null,
    };
}
