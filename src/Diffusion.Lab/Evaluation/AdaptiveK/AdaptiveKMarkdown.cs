using System.Globalization;
using System.Text;

namespace Diffusion.Lab.Evaluation.AdaptiveK;

/// <summary>docs/adaptive-k.md from an <see cref="AdaptiveKReport"/>: the setup, the figures per phase, the verdict and what the table learned.</summary>
public static class AdaptiveKMarkdown
{
    public static string Write(AdaptiveKReport report, string plotLink)
    {
        var c = report.Configuration;
        var s = new StringBuilder();
        s.AppendLine("# Adaptive K: the cache's similarity→K table learning in service");
        s.AppendLine();
        s.AppendLine($"Measured {report.Date} by `eval adaptive-k` (written by the command; do not edit by hand) on model `{c.ModelId}`, in {F(report.ElapsedMinutes, "0.0")} min. Reproduce with:");
        s.AppendLine();
        s.AppendLine($"    {(report.CommandLine.Length > 0 ? report.CommandLine : "./run.sh eval adaptive-k --json docs/adaptive-k.json --report docs/adaptive-k.md")}");
        s.AppendLine();
        s.AppendLine("## Setup");
        s.AppendLine();
        s.AppendLine($"- Trace: {c.Requests} requests (seed {c.TraceSeed}) whose prompt mix shifts at request {c.ShiftAt}: new objects, background colours and textures. "
            + "Each half is a standard generated trace (repeats, one-attribute edits, popular scenes) of its half of the world.");
        s.AppendLine($"  - before: {c.BeforeMix}");
        s.AppendLine($"  - after: {c.AfterMix}");
        s.AppendLine($"- Three replays of the same requests and seeds, {c.Steps} steps, guidance {F(c.Guidance, "0.##")}, through the serving engine on the real UNet, "
            + $"each cache starting empty with a budget of {c.BudgetBytes:N0} bytes (LCBFU): `none` (no cache: the reference), `fixed` (k-table.json, {c.Mode}: {c.FixedTable}) "
            + "and `adaptive` (the same table learning online).");
        s.AppendLine($"- Adaptive: similarity buckets with inner edges {string.Join(", ", c.BucketEdges.Select(e => F(e, "0.###")))}; tolerance {F(c.Tolerance, "0.###")} of CLIP score; "
            + $"{c.MinSamples} observations before a K is proven or ruled out, the latest {c.Window} per arm; {F(c.ExploreRate * 100, "0")} % of hits explore the next K, "
            + $"{F(c.ControlRate * 100, "0")} % of would-be hits run from noise as controls.");
        s.AppendLine("- Quality drop: per request, the `none` image's score minus this system's (same prompt, same seed), averaged, with its standard error. "
            + "CLIP score: cosine of the prompt's CLIP text embedding and the image's CLIP image embedding; judge: share of the judge's checks passed.");
        s.AppendLine();
        s.AppendLine("## Figures");
        s.AppendLine();
        s.AppendLine("| system | phase | requests | steps saved | hit rate | CLIP score | CLIP drop (SE) | judge accuracy | judge drop (SE) |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (system, phases) in report.Systems)
        {
            foreach (var (phase, f) in phases)
            {
                s.AppendLine($"| `{system}` | {phase.Replace('_', ' ')} | {f.Requests} | {F(f.StepsSaved, "0.000")} | {F(f.HitRate, "0.000")} | {F(f.ClipScore, "0.0000")} | "
                    + $"{F(f.ClipDrop, "+0.0000;-0.0000")} ({F(f.ClipDropStandardError, "0.0000")}) | {F(f.JudgeAccuracy, "0.000")} | {F(f.JudgeDrop, "+0.000;-0.000")} ({F(f.JudgeDropStandardError, "0.000")}) |");
            }
        }
        s.AppendLine();
        s.AppendLine("## Does adaptation beat the fixed table after the shift?");
        s.AppendLine();
        s.AppendLine(Verdict(report));
        s.AppendLine();
        s.AppendLine("## What the table learned");
        s.AppendLine();
        s.AppendLine($"- The calibrated table: {c.FixedTable}");
        s.AppendLine($"- Learned by the shift (request {c.ShiftAt}): {Text(report.LearnedAtShift)}");
        s.AppendLine($"- Learned by the end: {Text(report.LearnedAtEnd)}");
        if (report.AdaptiveState is { } state)
        {
            s.AppendLine($"- {state.Observations} images scored, {state.Explorations} explorations, {state.Controls} controls, {state.Promotions} promotions, "
                + $"{state.Demotions} demotions; the recent controls' mean CLIP score {F(state.BaselineScore ?? double.NaN, "0.0000")} ({state.BaselineRuns} runs).");
            s.AppendLine();
            s.AppendLine("| similarity bucket | calibrated K | K at the end | arms: K (images, mean CLIP drop, verdict) |");
            s.AppendLine("|---|---:|---:|---|");
            foreach (var b in state.Buckets)
            {
                var arms = string.Join("; ", b.Arms.Where(a => a.Count > 0).Select(a =>
                    $"{a.K} ({a.Count}{(a.MeanDrop is { } d ? ", " + F(d, "+0.000;-0.000") : "")}, {a.Verdict.Replace('_', ' ')})"));
                s.AppendLine($"| ({F(b.Low, "0.###")}, {F(b.High, "0.###")}] | {b.CalibratedK} | {b.K} | {(arms.Length == 0 ? "—" : arms)} |");
            }
        }
        s.AppendLine();
        s.AppendLine("## Figure");
        s.AppendLine();
        s.AppendLine($"![rolling steps saved and CLIP drop]({plotLink})");
        s.AppendLine();
        s.AppendLine("## The rule");
        s.AppendLine();
        s.AppendLine("`Diffusion.Cache.Adaptive`: each similarity bucket starts at the calibrated K. After every scored image the bucket's K moves down one cache point "
            + "when its images' mean CLIP-score drop exceeds the tolerance by more than a standard error, and up one when the next larger K has enough "
            + "observations and a mean drop within the tolerance. The drop is measured against the bucket's own control runs (would-be hits run from noise) once "
            + "it has enough, else against all buckets' recent controls; misses teach nothing (they are no sample of the would-be hits). Skipping more steps never costs less, so a ruled-out K rules out every larger one; "
            + "a ruled-out K is explored again at a quarter of the rate, and old observations leave a bounded window, so a shift can undo what was learned. "
            + "A bucket never uses a larger K than a more similar one. The state is saved atomically (`serve --adaptive-k on`: `{data-dir}/cache-index/adaptive-k.json`) "
            + "and shown at `/metrics`, `/v1/metrics` and on the dashboard.");
        return s.ToString();
    }

    private static string Verdict(AdaptiveKReport report)
    {
        var f = report.Systems[AdaptiveKReport.Fixed][AdaptiveKReport.After];
        var a = report.Systems[AdaptiveKReport.Adaptive][AdaptiveKReport.After];
        var steps = $"`adaptive` saves {F(a.StepsSaved * 100, "0.0")} % of the steps against `fixed`'s {F(f.StepsSaved * 100, "0.0")} %, "
            + $"at a CLIP-score drop of {F(a.ClipDrop, "0.0000")} (SE {F(a.ClipDropStandardError, "0.0000")}) against {F(f.ClipDrop, "0.0000")} (SE {F(f.ClipDropStandardError, "0.0000")}) "
            + $"and a judge-accuracy drop of {F(a.JudgeDrop, "0.000")} against {F(f.JudgeDrop, "0.000")}.";
        if (report.AdaptiveBeatsFixedAfterShift)
        {
            return $"Yes. After the shift {steps}";
        }
        if (a.StepsSaved <= f.StepsSaved && a.ClipDrop < f.ClipDrop)
        {
            return $"No, not on steps saved: after the shift {steps} It saves {F((f.StepsSaved - a.StepsSaved) * 100, "0.0")} points fewer steps and buys "
                + $"{F(f.ClipDrop - a.ClipDrop, "0.0000")} of CLIP score with them.";
        }
        return $"No: after the shift {steps}";
    }

    private static string Text(string table) => table.Length == 0 ? "(every bucket a miss)" : table;

    private static string F(double value, string format) => double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "—";
}
