using System.Globalization;
using System.Text;

namespace Diffusion.Lab.Evaluation.Variation;

/// <summary>
/// One scenario at one resume noise strength, over its hits. Distances are mean absolute pixel
/// differences on the 0–255 scale.
/// </summary>
/// <param name="JudgeAccuracy">Share of the judge's checks the hit images (seed A) pass.</param>
/// <param name="Background">Share of hit images whose background the judge reads as asked.</param>
/// <param name="DistanceToOwnSeed">Hit image vs the cache-off image of the same prompt and seed.</param>
/// <param name="DistanceBetweenSeeds">Hit image for seed A vs for seed B.</param>
/// <param name="IdenticalSeedPairs">Share of hits whose two seeds gave the same picture (distance under 0.5).</param>
/// <param name="DistanceToSource">Hit image vs the source run's image.</param>
public sealed record VariationRow(string Scenario, float Strength, int Hits, double JudgeAccuracy, double Background,
    double DistanceToOwnSeed, double DistanceBetweenSeeds, double IdenticalSeedPairs, double DistanceToSource);

/// <summary>What the measurement found, with the cache-off reference accuracy of the same prompts and seeds.</summary>
public sealed record VariationReport(VariationOptions Options, double ReferenceAccuracy, double ReferenceBackground,
    IReadOnlyList<VariationRow> Rows, TimeSpan Elapsed)
{
    public string ToMarkdown(string command)
    {
        var s = new StringBuilder();
        string F(double v) => v.ToString("0.000", CultureInfo.InvariantCulture);
        s.AppendLine("# Seed variation on cache hits: measured");
        s.AppendLine();
        s.AppendLine($"Reproduce: `{command}` ({Elapsed.TotalMinutes:0} min on this machine's 2 cores).");
        s.AppendLine();
        s.AppendLine($"{Options.Prompts} held-out prompts, {Options.Steps} DDIM steps, guidance {Options.GuidanceScale.ToString(CultureInfo.InvariantCulture)}; " +
                     $"each gives a hit in two scenarios: **repeat** (the same prompt cached with another seed, K = {Options.RepeatK}) and " +
                     $"**similar** (the nearest other held-out prompt by CLIP text embedding, K = {Options.SimilarK}). Each hit is run for " +
                     "two request seeds (A and B) at each resume noise strength; strength 0 is the old behaviour, which continues the " +
                     "source's path whatever the seed.");
        s.AppendLine();
        s.AppendLine($"Cache off, same prompts and seed A: judge accuracy {F(ReferenceAccuracy)}, background {F(ReferenceBackground)}.");
        s.AppendLine();
        s.AppendLine("| scenario | strength | hits | judge accuracy | background | distance to own seed's cache-off image | distance between seeds A and B | identical seed pairs | distance to source image |");
        s.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in Rows)
        {
            s.AppendLine($"| {r.Scenario} | {r.Strength.ToString("0.0", CultureInfo.InvariantCulture)} | {r.Hits} | {F(r.JudgeAccuracy)} | {F(r.Background)} | " +
                         $"{r.DistanceToOwnSeed:0.0} | {r.DistanceBetweenSeeds:0.0} | {F(r.IdenticalSeedPairs)} | {r.DistanceToSource:0.0} |");
        }
        s.AppendLine();
        s.AppendLine("Distances are mean absolute pixel differences (0–255).");
        return s.ToString();
    }
}
