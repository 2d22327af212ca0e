using System.Globalization;
using System.Text;
using System.Text.Json;
using Diffusion.Cache;
using Diffusion.Cache.Policy;

namespace Diffusion.Lab.Calibration;

/// <summary>Everything one calibration run measured and decided.</summary>
public sealed record CalibrationResult(
    string ModelId,
    CalibrationOptions Options,
    IReadOnlyList<CalibrationPair> Pairs,
    IReadOnlyList<ModeAnalysis> Modes,
    RetrievalMode DefaultMode,
    string Reason,
    TimeSpan Elapsed)
{
    /// <summary>The k-table.json contents the service loads.</summary>
    public KTableSet ToTables() => new()
    {
        DefaultMode = DefaultMode,
        PromptToPrompt = Modes.First(m => m.Mode == RetrievalMode.PromptToPrompt).Table,
        PromptToImage = Modes.First(m => m.Mode == RetrievalMode.PromptToImage).Table,
        CalibratedFor = ModelId,
        Note = $"./run.sh calibrate cache: {Pairs.Count} pairs, {Options.Steps} steps, guidance {Options.GuidanceScale.ToString(CultureInfo.InvariantCulture)}, "
            + $"tolerance {Options.Tolerance.ToString(CultureInfo.InvariantCulture)}, min {Options.MinPairs} pairs per threshold, "
            + $"{Options.WindowDescription}{(Options.Traffic is null ? "" : $", weighted to {Options.Traffic.Values.Count} traffic lookups")}.",
    };

    public string ToJson() => JsonSerializer.Serialize(new
    {
        model = ModelId,
        pairs_measured = Pairs.Count,
        elapsed_seconds = Math.Round(Elapsed.TotalSeconds, 1),
        default_mode = DefaultMode.ToName(),
        reason = Reason,
        options = new { Options.Pairs, Options.Steps, Options.GuidanceScale, scheduler = Options.Scheduler.ToString(), Options.Tolerance, Options.MinPairs, Options.WindowPairs, Options.WindowShare, Options.Seed },
        modes = Modes.Select(m => new
        {
            mode = m.Mode.ToName(),
            table = m.Table.Thresholds,
            margin = m.Margin,
            cross_validated_steps_saved = Math.Round(m.CrossValidatedStepsSaved, 4),
            cross_validated_accuracy_drop = Math.Round(m.CrossValidatedAccuracyDrop, 4),
            spearman_similarity_vs_image_cosine = Math.Round(m.RankCorrelation, 4),
            buckets = m.Buckets,
        }),
        pairs = Pairs,
    }, new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The model id, pairs and measuring time of an earlier run's <c>--json</c> file (what <see cref="ToJson"/> wrote).</summary>
    public static (string ModelId, IReadOnlyList<CalibrationPair> Pairs, TimeSpan Elapsed) ReadMeasured(string jsonPath)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(jsonPath));
            var root = document.RootElement;
            var pairs = root.GetProperty("pairs").Deserialize<CalibrationPair[]>()
                ?? throw new InvalidDataException($"{jsonPath}: \"pairs\" is null.");
            return (root.GetProperty("model").GetString()!, pairs, TimeSpan.FromSeconds(root.GetProperty("elapsed_seconds").GetDouble()));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{jsonPath}: not the --json file of a calibration run ({e.Message}).", e);
        }
    }

    /// <summary>docs/cache-calibration.md: the method, the tables, the curves and the choice of mode.</summary>
    public string ToMarkdown(string plotFileName)
    {
        var md = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        md.AppendLine("# Cache calibration: similarity → K for our CLIP");
        md.AppendLine();
        md.AppendLine("Written by `./run.sh calibrate cache --json docs/cache-calibration.json` (src/Diffusion.Lab/Calibration); rerun it "
            + "to reproduce, or add `--from-json docs/cache-calibration.json` to derive the tables again from the committed "
            + "measurements without generating. The service loads the resulting tables from `src/Diffusion.Cache/k-table.json`.");
        md.AppendLine();
        md.AppendLine(c, $"- model: `{ModelId}`");
        md.AppendLine(c, $"- pairs: {Pairs.Count} ({string.Join(", ", Pairs.GroupBy(p => p.Relation).Select(g => $"{g.Count()} {Describe(g.Key)}"))})");
        md.AppendLine(c, $"- runs: {Options.Steps} DDIM steps, guidance {Options.GuidanceScale}, seed = the source's held-out index; K ∈ {{{string.Join(", ", Options.CachePoints)}}} of 50");
        md.AppendLine(c, $"- rule: tolerance {Options.Tolerance} of judge accuracy, at least {Options.MinPairs} pairs above every threshold, {Options.WindowDescription}; measured in {Elapsed.TotalMinutes:0.0} min");
        if (Options.Traffic is { } traffic)
        {
            md.AppendLine(c, $"- weighted to traffic: the {traffic.Mode} pairs count by their similarity bucket's share of {traffic.Values.Count} lookups ({traffic.Source}) over its share of the pairs");
        }
        md.AppendLine();
        md.AppendLine("## Method");
        md.AppendLine();
        md.AppendLine("Each pair is a held-out prompt (the *source*) and a different but similar *target*: an edit of one attribute "
            + "(colour, texture, object, size, position, count or relation), an edit of two, or one of the source's five nearest "
            + "held-out prompts by CLIP text similarity. For every pair the source runs in full (its latents entering each cache "
            + "step are kept), the target runs in full with the same seed (the reference), and the target runs again from the "
            + "source's latent at each K, as a cache hit would. Each target image is scored by the evaluation judge against the "
            + "target's facts (Diffusion.Evaluation's rules: objects, count, position or relation, background), and compared with "
            + "the target's full run (mean absolute pixel difference in [0,1] units, cosine of CLIP image embeddings).");
        md.AppendLine();
        md.AppendLine("Similarity is measured both ways the cache can retrieve: *prompt→prompt* (cosine of the CLIP text embeddings "
            + "of source and target, NIRVANA) and *prompt→image* (cosine of the target's text embedding and the source's final "
            + "image embedding, as MoDM does). For each mode and K, the threshold is the lowest similarity t such that the pairs "
            + "above t — and above every higher threshold, each resting on enough pairs — keep their accuracy at K within the "
            + "tolerance of the full runs, all together and the least similar of them (the window) on their own: traffic can hold "
            + "far more prompts near a threshold than the calibration does, and the first bench with the window off lost 0.056 of "
            + "judge accuracy that way. A larger K never gets a lower threshold. Two-fold cross-validation (tables derived "
            + "on one half of the pairs decide the other half) then finds the smallest margin to add to every threshold that "
            + "keeps the held-out accuracy drop within the tolerance; the shipped table carries that margin, and the modes are "
            + "compared by the steps they save at that equal quality.");
        md.AppendLine();
        md.AppendLine("## Tables");
        md.AppendLine();
        md.AppendLine("| mode | table (similarity > t → K of 50) | margin | steps saved, held-out | accuracy drop, held-out | Spearman (similarity, image cosine at K max) |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var m in Modes)
        {
            var table = m.Table.Thresholds.Count == 0 ? "(no K qualifies: always a miss)" : string.Join(", ", m.Table.Thresholds.Select(t => $"> {t.MinSimilarity.ToString("0.000", c)} → {t.K}"));
            md.AppendLine(c, $"| {m.Mode.ToName()}{(m.Mode == DefaultMode ? " **(default)**" : "")} | {table} | {m.Margin:0.000} | {m.CrossValidatedStepsSaved:P1} | {m.CrossValidatedAccuracyDrop:+0.000;-0.000;0.000} | {m.RankCorrelation:0.00} |");
        }
        md.AppendLine();
        md.AppendLine("\"Held-out\" figures are two-fold cross-validated: the table derived from half of the pairs decides the other half.");
        md.AppendLine();
        md.AppendLine("## Default mode");
        md.AppendLine();
        md.AppendLine(Reason);
        md.AppendLine();
        var fullAccuracy = Pairs.Sum(p => (double)p.FullPassed) / Math.Max(1, Pairs.Sum(p => p.FullChecks));
        if (fullAccuracy < 0.3)
        {
            md.AppendLine($"**Caution:** the full runs pass only {fullAccuracy:P0} of the judge's checks on these targets, so accuracy "
                + "barely separates good from bad reuse here; read the distance curves as well, and recalibrate on a trained model.");
            md.AppendLine();
        }
        md.AppendLine("## Curves");
        md.AppendLine();
        md.AppendLine(c, $"![calibration curves]({plotFileName})");
        md.AppendLine();
        foreach (var m in Modes)
        {
            md.AppendLine(c, $"### {m.Mode.ToName()} by similarity bucket");
            md.AppendLine();
            var ks = m.Buckets.Count == 0 ? [] : m.Buckets[0].ByK.Select(b => b.K).ToArray();
            md.AppendLine("| similarity | pairs | full acc | " + string.Join(" | ", ks.Select(k => $"acc K={k}")) + " | "
                + string.Join(" | ", ks.Select(k => $"Δpix K={k}")) + " | " + string.Join(" | ", ks.Select(k => $"cos K={k}")) + " |");
            md.AppendLine("|---|---|---|" + string.Concat(Enumerable.Repeat("---|", 3 * ks.Length)));
            foreach (var b in m.Buckets)
            {
                md.AppendLine($"| {b.Low:0.00}–{b.High:0.00} | {b.Pairs} | {b.FullAccuracy:0.00} | "
                    + string.Join(" | ", b.ByK.Select(k => k.Accuracy.ToString("0.00", c))) + " | "
                    + string.Join(" | ", b.ByK.Select(k => k.PixelDistance.ToString("0.000", c))) + " | "
                    + string.Join(" | ", b.ByK.Select(k => k.ImageCosine.ToString("0.000", c))) + " |");
            }
            md.AppendLine();
        }
        return md.ToString();
    }

    private static string Describe(PairRelation relation) => relation switch
    {
        PairRelation.Edit => "one-attribute edits",
        PairRelation.DoubleEdit => "two-attribute edits",
        PairRelation.Neighbour => "CLIP neighbours",
        _ => relation.ToString(),
    };
}
