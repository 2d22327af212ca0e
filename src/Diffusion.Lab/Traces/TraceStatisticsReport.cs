using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Traces;

/// <summary>What <see cref="TraceStatistics"/> measured on one trace or log. Null where the file lacks the data.</summary>
public sealed record TraceStatisticsReport
{
    public required int Records { get; init; }

    /// <summary>Records whose prompt counts as a user prompt (see <see cref="PromptText.IsUserPrompt"/>).</summary>
    public required int UserPrompts { get; init; }

    public required int DistinctPrompts { get; init; }

    public required double RepeatRate { get; init; }

    public required int RepeatedPrompts { get; init; }

    /// <summary>Least-squares Zipf exponent over every prompt seen at least twice.</summary>
    public required double? ZipfExponent { get; init; }

    public required int HeadMinCount { get; init; }

    /// <summary>The same fit over prompts seen at least <see cref="HeadMinCount"/> times.</summary>
    public required double? HeadZipfExponent { get; init; }

    public required double HeadShareOfRepeats { get; init; }

    /// <summary>Fraction of timed requests that are a small edit of the same user's previous prompt.</summary>
    public required double? EditFraction { get; init; }

    /// <summary>Word distances of those edits: "1".."9", "10+".</summary>
    public required IReadOnlyDictionary<string, int>? EditDistances { get; init; }

    /// <summary>Fraction of requests that are a small edit of any earlier prompt (for logs without users).</summary>
    public required double EditFractionAnyEarlier { get; init; }

    public required GapSummary? InterArrival { get; init; }

    public required GapSummary? PerUserInterArrival { get; init; }

    public required int? Users { get; init; }

    public required double? UserActivityExponent { get; init; }

    /// <summary>Requests per kind, for generated traces.</summary>
    public required IReadOnlyDictionary<TraceRequestKind, int>? Kinds { get; init; }

    /// <summary>Zipf fit over the pool scenes drawn at least twice, for generated traces.</summary>
    public required double? PopularPoolZipfExponent { get; init; }
}
