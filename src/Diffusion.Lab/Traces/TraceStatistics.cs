using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Traces;

/// <summary>
/// Measures a trace or a real log with the definitions of scripts/derive-trace-params.py, so a
/// generated trace can be held against the numbers derived from the real logs.
/// </summary>
public sealed class TraceStatistics(SmallEditRule smallEdit, int headMinCount)
{
    private const int HistogramCap = 10;

    public static TraceStatistics FromParameters(TraceParameters parameters) =>
        new(new SmallEditRule(parameters.SmallEditThreshold), parameters.HeadMinCount);

    public TraceStatisticsReport Measure(IReadOnlyList<TraceRecord> records)
    {
        var userPrompts = records.Select(r => PromptText.Normalize(r.Prompt)).Where(PromptText.IsUserPrompt).ToList();
        var counts = userPrompts.GroupBy(p => p, StringComparer.Ordinal).Select(g => g.Count()).ToList();
        var repeated = counts.Where(c => c >= 2).ToList();
        var head = repeated.Where(c => c >= headMinCount).ToList();
        var repeats = repeated.Sum(c => c - 1);

        // requests in time order; ties keep file order
        var timed = records.Where(r => r.Seconds is not null).OrderBy(r => r.Seconds!.Value).ToList();
        var withUsers = timed.Where(r => r.User is not null).ToList();
        var (editFraction, editDistances) = withUsers.Count > 0 ? SameUserEdits(withUsers) : (null, null);
        var userCounts = withUsers.GroupBy(r => r.User!, StringComparer.Ordinal).Select(g => g.Count()).ToList();

        return new TraceStatisticsReport
        {
            Records = records.Count,
            UserPrompts = userPrompts.Count,
            DistinctPrompts = counts.Count,
            RepeatRate = userPrompts.Count == 0 ? 0 : (double)(userPrompts.Count - counts.Count) / userPrompts.Count,
            RepeatedPrompts = repeated.Count,
            ZipfExponent = ZipfFit.LeastSquaresExponent(repeated),
            HeadMinCount = headMinCount,
            HeadZipfExponent = ZipfFit.LeastSquaresExponent(head),
            HeadShareOfRepeats = repeats == 0 ? 0 : (double)head.Sum(c => c - 1) / repeats,
            EditFraction = editFraction,
            EditDistances = editDistances,
            EditFractionAnyEarlier = userPrompts.Count == 0 ? 0 : (double)EditsAgainstAnyEarlier(userPrompts) / userPrompts.Count,
            InterArrival = GapSummary.Of(timed.Zip(timed.Skip(1), (a, b) => b.Seconds!.Value - a.Seconds!.Value)),
            PerUserInterArrival = GapSummary.Of(withUsers.GroupBy(r => r.User!, StringComparer.Ordinal)
                .SelectMany(g => g.Zip(g.Skip(1), (a, b) => b.Seconds!.Value - a.Seconds!.Value))),
            Users = withUsers.Count > 0 ? userCounts.Count : null,
            UserActivityExponent = ZipfFit.LeastSquaresExponent(userCounts),
            Kinds = records.Any(r => r.Kind is not null)
                ? records.Where(r => r.Kind is not null).GroupBy(r => r.Kind!.Value).ToDictionary(g => g.Key, g => g.Count())
                : null,
            PopularPoolZipfExponent = ZipfFit.LeastSquaresExponent(records
                .Where(r => r.Kind == TraceRequestKind.PopularRepeat)
                .GroupBy(r => PromptText.Normalize(r.Prompt), StringComparer.Ordinal)
                .Select(g => g.Count())
                .Where(c => c >= 2)),
        };
    }

    /// <summary>Requests that are a small edit of the same user's previous prompt, over all timed requests.</summary>
    private (double?, IReadOnlyDictionary<string, int>?) SameUserEdits(IReadOnlyList<TraceRecord> timed)
    {
        var previous = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var distances = new List<int>();
        foreach (var record in timed)
        {
            var words = PromptText.Words(PromptText.Normalize(record.Prompt));
            if (previous.TryGetValue(record.User!, out var before) && smallEdit.SmallEditDistance(before, words) is { } d)
            {
                distances.Add(d);
            }

            previous[record.User!] = words;
        }

        return ((double)distances.Count / timed.Count, Histogram(distances));
    }

    /// <summary>
    /// Requests (first occurrences only) that are a small edit of some earlier, different prompt;
    /// candidates share the first or the last two words, as in the script.
    /// </summary>
    private int EditsAgainstAnyEarlier(IReadOnlyList<string> prompts)
    {
        var blocks = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var edits = 0;
        foreach (var prompt in prompts)
        {
            if (!seen.Add(prompt))
            {
                continue;
            }

            var words = PromptText.Words(prompt);
            string[] keys = ["head\u0001" + string.Join(' ', words.Take(2)), "tail\u0001" + string.Join(' ', words.TakeLast(2))];
            var isEdit = false;
            foreach (var key in keys)
            {
                if (!isEdit && blocks.TryGetValue(key, out var candidates))
                {
                    isEdit = candidates.Any(c => smallEdit.SmallEditDistance(PromptText.Words(c), words) is not null);
                }
            }

            if (isEdit)
            {
                edits++;
            }

            foreach (var key in keys)
            {
                if (!blocks.TryGetValue(key, out var list))
                {
                    blocks[key] = list = [];
                }

                list.Add(prompt);
            }
        }

        return edits;
    }

    private static IReadOnlyDictionary<string, int> Histogram(IEnumerable<int> distances)
    {
        var histogram = Enumerable.Range(1, HistogramCap).ToDictionary(d => d < HistogramCap ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{HistogramCap}+", _ => 0);
        foreach (var d in distances)
        {
            var key = d < HistogramCap ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{HistogramCap}+";
            histogram[key]++;
        }

        return histogram;
    }
}
