

namespace Diffusion.Lab.Bench;

/// <summary>
/// One measured request of the cache-on run beside its cache-off twin, so a drop can be traced to similarities, K and
/// chains (a source that was itself a hit).
/// </summary>
/// <param name="SourceStart">The step the source request started at in the same run (K of its own hit, 0 for a full run).</param>
/// <param name="FailedOff">The judge checks the cache-off image failed (metric names); null in accounting replays.</param>
public sealed record RequestRow(int Index, string Kind, int K, double? Similarity, int? Source, int? SourceStart,
    IReadOnlyList<string>? FailedOff, IReadOnlyList<string>? FailedOn)
{
    public static IReadOnlyList<RequestRow> Of(IReadOnlyList<ReplayRecord> on, IReadOnlyList<ReplayRecord>? off)
    {
        var byIndex = on.ToDictionary(r => r.Index);
        var offByIndex = off?.ToDictionary(r => r.Index);
        static string[] Failed(ReplayRecord r) => r.Checks.Where(c => !c.Value).Select(c => c.Key).Order(StringComparer.Ordinal).ToArray();
        return on.Where(r => r.Measured).Select(r => new RequestRow(r.Index, r.Kind.ToString(), r.StartStep,
            r.Similarity is { } s ? Math.Round(s, 4) : null, r.SourceIndex,
            r.SourceIndex is { } i && byIndex.TryGetValue(i, out var source) ? source.StartStep : null,
            offByIndex is null ? null : Failed(offByIndex[r.Index]), offByIndex is null ? null : Failed(r))).ToArray();
    }
}
