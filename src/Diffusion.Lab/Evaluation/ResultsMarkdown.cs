using System.Globalization;
using System.Text;

namespace Diffusion.Lab.Evaluation;

/// <summary>docs/RESULTS.md: the systems' table, the configuration, the date, how to reproduce it, and whether ours beats NIRVANA and fewer steps.</summary>
public static class ResultsMarkdown
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    /// <param name="figureLinks">Links to the plots, relative to the markdown file.</param>
    public static string Write(CacheEvaluationReport report, IReadOnlyList<string> figureLinks)
    {
        var c = report.Configuration;
        var s = new StringBuilder();
        void Line(FormattableString text) => s.Append(text.ToString(C)).Append('\n');

        Line($"# Results: caching systems and their baselines side by side");
        Line($"");
        Line($"Measured {report.Date} by `eval cache` (written by the command; do not edit by hand) on model `{c.ModelId}`, in {report.ElapsedMinutes:0.0} min. Reproduce with:");
        Line($"");
        Line($"    {report.CommandLine ?? "./run.sh eval cache --json results.json --report results/"}");
        Line($"");
        Line($"## Configuration");
        Line($"");
        Line($"- Trace: the standard generated trace (seed {c.TraceSeed}{(c.Users is { } u ? $", {u} users" : "")}), {c.Requests} requests; the first {c.Requests - c.Measured} ({c.Warmup:P0}) only warm the caches, the figures cover the other {c.Measured}. Every system replays the same requests with the same seeds, from an empty cache.");
        Line($"- Generation: {c.Steps} steps, {c.Scheduler}, guidance {c.Guidance}, {c.Concurrency} requests in flight through the serving engine's iteration-level loop on the real UNet (the machinery of `bench cache`).");
        Line($"- Budget: {c.BudgetBytes:N0} bytes for every caching system. Images: {c.ImageBudgetAccounting}. Latents: {c.LatentBudgetAccounting} (grace {c.LcbfuGraceSeconds / 3600:0.0} h of trace time).");
        Line($"- `exact` key: {c.ExactKey}.");
        Line($"- `gptcache` threshold: CLIP text cosine ≥ {c.GptcacheThreshold:0.###} to the nearest cached prompt.");
        Line($"- `nirvana`: prompt-to-prompt, the published table kept in code: {c.NirvanaKTable}.");
        Line($"- `ours`: k-table.json, {c.OursMode}: {c.OursKTable} ({(string.IsNullOrWhiteSpace(c.OursKTableNote) ? "no note" : c.OursKTableNote.TrimEnd('.'))}).");
        Line($"- `fewer_steps`: no cache; every request runs {c.FewerStepsSteps} of the {c.Steps} steps (the mean `ours` ran), the scheduler's own even spacing.");
        Line($"- `within_request`: no cache; a step reuses the UNet's last output while the model input's relative L1 change since that call, summed step by step, stays under {c.OutputReuseThreshold:0.###} (TeaCache's rule on the denoiser's inputs and outputs; the first and last steps always call it). `ours+within`: `ours`, with the same reuse inside every run.");
        Line($"");
        Line($"## Table");
        Line($"");
        Line($"| system | steps saved | model calls saved | judge accuracy (SE) | CLIP score | distance to none | CLIP image cosine to none | latency p50 (s) | latency p95 (s) | throughput (req/s) | hit rate |");
        Line($"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (name, f) in report.Systems)
        {
            Line($"| `{name}` | {f.StepsSaved:0.000} | {f.ModelCallsSaved:0.000} | {f.JudgeAccuracy:0.000} ({f.JudgeAccuracyStandardError:0.000}) | {f.ClipScore:0.000} | {f.DistanceToNone:0.000} | {f.ClipImageCosineToNone:0.000} | {f.LatencyP50S:0.000} | {f.LatencyP95S:0.000} | {f.ThroughputRps:0.00} | {f.HitRate:0.000} |");
        }
        Line($"");
        Line($"## Does ours beat NIRVANA?");
        Line($"");
        s.Append(Verdict(report)).Append('\n');
        Line($"");
        Line($"## Does ours beat simply running fewer steps?");
        Line($"");
        s.Append(FewerStepsVerdict(report)).Append('\n');
        Line($"");
        Line($"## What does within-request reuse add?");
        Line($"");
        s.Append(WithinVerdict(report)).Append('\n');
        Line($"");
        if (figureLinks.Count > 0)
        {
            Line($"## Figures");
            Line($"");
            foreach (var link in figureLinks)
            {
                Line($"![{Path.GetFileNameWithoutExtension(link)}]({link.Replace('\\', '/')})");
                Line($"");
            }
        }
        Line($"## How the figures are measured");
        Line($"");
        Line($"- **steps saved**: denoising steps not run over the steps of full runs; a final-image hit (`exact`, `gptcache`) skips all of them, a latent hit skips K, `fewer_steps` runs a shorter schedule.");
        Line($"- **model calls saved**: UNet calls not made over those of full runs: the steps saved, plus the steps run on a reused output (`within_request`, `ours+within`).");
        Line($"- **judge accuracy**: share of the judge's checks (object, count, colour, position, …) that each image passes against its own request's canonical prompt facts, as `bench cache` scores them.");
        Line($"- **CLIP score**: cosine of the request's CLIP text embedding and the image's CLIP image embedding.");
        Line($"- **distance to none**: mean absolute pixel difference (in [0,1] units) to the `none` image of the same request (same seed); **CLIP image cosine to none** compares their image embeddings. A reused image comes from another request (another seed), so even an exact repeat is far from `none`'s image.");
        Line($"- **latency**: join to image ready per request, excluding the replay's own scoring; **throughput**: measured requests over the busy time from the first measured join to the last measured image.");
        return s.ToString();
    }

    /// <summary>The honest paragraph: whether ours saves more steps than nirvana at equal or better judge accuracy.</summary>
    public static string Verdict(CacheEvaluationReport report)
    {
        var v = report.OursVersusNirvana;
        var ours = report.Systems[CacheSystems.Ours];
        var nirvana = report.Systems[CacheSystems.Nirvana];
        var noise = 2 * v.AccuracyGapStandardError;
        var figures = string.Format(C, "`ours` saves {0:P1} of the steps against `nirvana`'s {1:P1}, at judge accuracy {2:0.000} against {3:0.000}",
            v.OursStepsSaved, v.NirvanaStepsSaved, v.OursAccuracy, v.NirvanaAccuracy);
        var noiseNote = string.Format(C, " With {0} measured requests ({1} and {2} judge checks), accuracy differences below about {3:0.000} (two standard errors) are within sampling noise.",
            report.Configuration.Measured, ours.JudgeChecks, nirvana.JudgeChecks, noise);
        if (v.SameTable)
        {
            return $"No. In this run `ours` used the same prompt→prompt table as `nirvana` (the k-table it loaded holds NIRVANA's thresholds, "
                + $"e.g. before `calibrate cache` writes a calibrated one), so there is nothing to beat: {figures}; any gap is replay noise, not a better policy."
                + noiseNote;
        }
        var gap = string.Format(C, "the accuracy gap of {0:+0.000;-0.000;0.000} is {1} one standard error of the difference ({2:0.000})",
            v.OursAccuracy - v.NirvanaAccuracy, v.AccuracyWithinOneStandardError ? "within" : "more than", v.AccuracyGapStandardError);
        var answer = v.Beats && v.AccuracyAtLeastEqual
            ? "Yes, on this trace: " + figures + "."
            : v.Beats
                ? "Yes, within one standard error: " + figures + "; " + gap + ": not better, but not measurably worse."
                : v.SavesMoreSteps
                    ? "No: " + figures + "; it saves more steps but " + gap + "."
                    : "No: " + figures + "; it does not save more steps.";
        return answer + noiseNote;
    }

    /// <summary>Whether ours keeps more judge accuracy than the same mean step count without a cache.</summary>
    public static string FewerStepsVerdict(CacheEvaluationReport report)
    {
        var ours = report.Systems[CacheSystems.Ours];
        var fewer = report.Systems[CacheSystems.FewerSteps];
        var noise = 2 * StandardErrors.OfDifference(ours.JudgeAccuracyStandardError, fewer.JudgeAccuracyStandardError);
        var figures = string.Format(C, "`ours` saves {0:P1} of the steps at judge accuracy {1:0.000} and CLIP score {2:0.000}; `fewer_steps` saves {3:P1} at {4:0.000} and {5:0.000}",
            ours.StepsSaved, ours.JudgeAccuracy, ours.ClipScore, fewer.StepsSaved, fewer.JudgeAccuracy, fewer.ClipScore);
        var gap = ours.JudgeAccuracy - fewer.JudgeAccuracy;
        var answer = gap > noise ? "Yes: " : gap < -noise ? "No, fewer steps does better: " : "Not measurably: ";
        var others = string.Format(C, " On the figures without a judge, `{0}` has the higher CLIP score ({1:0.000} against {2:0.000}) and `{3}` the lower p50 latency ({4:0.000} s against {5:0.000} s).",
            ours.ClipScore >= fewer.ClipScore ? CacheSystems.Ours : CacheSystems.FewerSteps, Math.Max(ours.ClipScore, fewer.ClipScore), Math.Min(ours.ClipScore, fewer.ClipScore),
            ours.LatencyP50S <= fewer.LatencyP50S ? CacheSystems.Ours : CacheSystems.FewerSteps, Math.Min(ours.LatencyP50S, fewer.LatencyP50S), Math.Max(ours.LatencyP50S, fewer.LatencyP50S));
        return answer + figures + string.Format(C, ". The accuracy gap is {0:+0.000;-0.000;0.000}; two standard errors are about {1:0.000}.", gap, noise) + others;
    }

    /// <summary>Which system saves the most model calls, and at what cost in judge accuracy and CLIP score against <c>none</c>.</summary>
    public static string WithinVerdict(CacheEvaluationReport report)
    {
        var none = report.Systems[CacheSystems.None];
        var (bestName, best) = report.Systems.MaxBy(p => p.Value.ModelCallsSaved);
        var within = report.Systems[CacheSystems.WithinRequest];
        var combined = report.Systems[CacheSystems.OursWithin];
        var lead = bestName == CacheSystems.OursWithin
            ? "`ours+within` saves the most model calls"
            : $"`ours+within` does not save the most model calls; `{bestName}` does";
        return string.Format(C,
            "{0}: {1:P1} of the UNet calls of full runs, at judge accuracy {2:0.000} (SE {3:0.000}) against `none`'s {4:0.000} and CLIP score {5:0.000} against {6:0.000}. "
            + "`within_request` alone saves {7:P1} of the calls at judge accuracy {8:0.000} and CLIP score {9:0.000}, distance to `none` {10:0.000}; "
            + "`ours+within` saves {11:P1} at {12:0.000} and {13:0.000}, distance {14:0.000}.",
            lead, best.ModelCallsSaved, best.JudgeAccuracy, best.JudgeAccuracyStandardError, none.JudgeAccuracy, best.ClipScore, none.ClipScore,
            within.ModelCallsSaved, within.JudgeAccuracy, within.ClipScore, within.DistanceToNone,
            combined.ModelCallsSaved, combined.JudgeAccuracy, combined.ClipScore, combined.DistanceToNone);
    }
}
