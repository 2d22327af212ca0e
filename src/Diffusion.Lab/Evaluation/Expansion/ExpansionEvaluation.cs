using System.Diagnostics;
using System.Globalization;
using System.Text;
using Diffusion.Inference.Vocabulary;

namespace Diffusion.Lab.Evaluation.Expansion;

/// <summary>One style's (or all prompts') figures: raw LLM text vs what the guard serves.</summary>
/// <param name="LlmKept">Share whose raw LLM expansion keeps every named object, count and relation.</param>
/// <param name="GuardKept">The same for the prompt the service draws (after the guard).</param>
/// <param name="OutOfVocabulary">Prompts naming a concept outside the vocabulary.</param>
/// <param name="Reported">Of those, the share whose concepts were all reported and none swapped for another object.</param>
/// <param name="Corrected">Share the guard corrected.</param>
public sealed record ExpansionRow(string Style, int Prompts, double LlmKept, double GuardKept, int OutOfVocabulary, double Reported, double Corrected);

public sealed record ExpansionReportFigures(IReadOnlyList<ExpansionRow> Rows, ExpansionRow All, IReadOnlyList<string> Failures, TimeSpan Elapsed)
{
    public string ToMarkdown(string command)
    {
        var s = new StringBuilder();
        string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        s.AppendLine("# Prompt expansion that keeps the request: measured");
        s.AppendLine();
        s.AppendLine($"Reproduce: `{command}` ({Elapsed.TotalMinutes:0.0} min). The set is `models/eval/loose-styles.jsonl`, written by " +
                     "`models/eval/make_loose_styles.py` in styles the LLM's training generator does not produce (slang, plurals, typos, " +
                     "emoji, questions, word orders, concepts outside the vocabulary, the cases users reported) plus GenEval's prompts " +
                     "(`../shared/data/prompts/geneval.jsonl`) whose objects are all in the vocabulary.");
        s.AppendLine();
        s.AppendLine("*kept*: every object, count and relation the prompt names is in the prompt drawn (read back with the service's own " +
                     "parser). *reported*: every out-of-vocabulary concept is in the response's warnings and no other object took its place.");
        s.AppendLine();
        s.AppendLine("| style | prompts | LLM alone: kept | served (LLM + guard): kept | corrected by the guard | out-of-vocabulary prompts | reported, not swapped |");
        s.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in Rows.Append(All))
        {
            s.AppendLine($"| {(r == All ? "**all**" : r.Style)} | {r.Prompts} | {F(r.LlmKept)} | {F(r.GuardKept)} | {F(r.Corrected)} | {r.OutOfVocabulary} | " +
                         (r.OutOfVocabulary == 0 ? "–" : F(r.Reported)) + " |");
        }
        s.AppendLine();
        s.AppendLine("Goals: kept ≥ 0.97, reported ≥ 0.95.");
        if (Failures.Count > 0)
        {
            s.AppendLine();
            s.AppendLine($"## What the served prompt still gets wrong ({Failures.Count})");
            s.AppendLine();
            foreach (var f in Failures) s.AppendLine($"- {f}");
        }
        return s.ToString();
    }
}

/// <summary>
/// Runs each labelled loose prompt through the LLM expansion and the service's <see cref="ExpansionGuard"/>,
/// and checks the served prompt against the label.
/// </summary>
public sealed class ExpansionEvaluation(Func<string, CancellationToken, Task<string>> expand, ExpansionGuard guard, TextWriter log)
{
    private sealed record Outcome(LooseStylePrompt Prompt, bool LlmKept, bool GuardKept, bool? Reported, bool Corrected, string Served);

    public async Task<ExpansionReportFigures> RunAsync(IReadOnlyList<LooseStylePrompt> prompts, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outcomes = new List<Outcome>();
        foreach (var p in prompts)
        {
            var raw = (await expand(p.Prompt, cancellationToken).ConfigureAwait(false)).Trim();
            var guarded = guard.Guard(p.Prompt, raw);
            var served = guard.Parser.Parse(guarded.Prompt);
            bool? reported = p.OutOfVocabulary.Count == 0 ? null
                : p.OutOfVocabulary.All(o => guarded.Warnings.Any(w => w.Contains($"“{o}”", StringComparison.Ordinal)))
                  && served.Objects.All(o => p.Objects.Any(l => l.Name == o.Name));
            outcomes.Add(new Outcome(p, Keeps(p, guard.Parser.Parse(raw)), Keeps(p, served), reported, guarded.Corrected, guarded.Prompt));
            if (outcomes.Count % 50 == 0) log.WriteLine($"expansion: {outcomes.Count}/{prompts.Count} prompts");
        }
        var rows = outcomes.GroupBy(o => o.Prompt.Style).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => Row(g.Key, g.ToList())).ToList();
        var failures = outcomes.Where(o => !o.GuardKept || o.Reported == false)
            .Select(o => $"`{o.Prompt.Prompt}` → `{o.Served}`").ToList();
        return new ExpansionReportFigures(rows, Row("all", outcomes), failures, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Whether a reading names exactly the labelled objects with their counts, and the labelled relation.</summary>
    public static bool Keeps(LooseStylePrompt label, PromptFacts facts)
    {
        var want = label.Objects.GroupBy(o => o.Name).ToDictionary(g => g.Key, g => g.Sum(o => o.Count));
        var got = facts.Objects.GroupBy(o => o.Name).ToDictionary(g => g.Key, g => g.Sum(o => o.Count));
        return want.Count == got.Count && want.All(kv => got.GetValueOrDefault(kv.Key) == kv.Value)
               && (label.Relation is null || label.Relation == facts.Relation);
    }

    private static ExpansionRow Row(string style, IReadOnlyList<Outcome> o)
    {
        var oov = o.Where(x => x.Reported is not null).ToList();
        double Share(Func<Outcome, bool> f) => Math.Round(o.Count(f) / (double)o.Count, 4);
        return new ExpansionRow(style, o.Count, Share(x => x.LlmKept), Share(x => x.GuardKept), oov.Count,
            oov.Count == 0 ? 0 : Math.Round(oov.Count(x => x.Reported == true) / (double)oov.Count, 4), Share(x => x.Corrected));
    }
}
