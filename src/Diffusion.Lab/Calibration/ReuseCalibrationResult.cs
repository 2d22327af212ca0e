using System.Globalization;
using System.Text;
using System.Text.Json;
using Diffusion.Replay.Plots;
using SkiaSharp;

namespace Diffusion.Lab.Calibration;

/// <summary>One threshold's runs against the full runs of the same prompts and seeds.</summary>
/// <param name="CallsSaved">UNet calls not made over the full runs' calls.</param>
/// <param name="DistanceToFull">Mean absolute pixel difference (in [0,1] units) to the full run's image.</param>
public sealed record ReusePoint(float Threshold, double CallsSaved, double JudgeAccuracy, double ClipScore, double DistanceToFull,
    double ClipImageCosineToFull, int JudgeChecks);

/// <summary>What <c>calibrate reuse</c> measured and chose; written as docs/reuse-calibration.md, .json and .png.</summary>
public sealed record ReuseCalibrationResult(string ModelId, int Prompts, int Steps, double Tolerance, double ClipDrop, ReusePoint Full,
    IReadOnlyList<ReusePoint> Points, float? Chosen, string Reason, double ElapsedMinutes)
{
    private static readonly CultureInfo C = CultureInfo.InvariantCulture;

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true });

    public string ToMarkdown(string plotFile, string commandLine)
    {
        var s = new StringBuilder();
        void Line(FormattableString text) => s.Append(text.ToString(C)).Append('\n');
        Line($"# Within-request reuse: threshold calibration");
        Line($"");
        Line($"Written by `calibrate reuse` (do not edit by hand) on model `{ModelId}`, in {ElapsedMinutes:0.0} min. Reproduce with `{commandLine}`.");
        Line($"");
        Line($"{Prompts} held-out prompts run in full ({Steps} steps) and at each threshold, with the same seeds. A step reuses the UNet's last output while the model input's relative L1 change, summed since that call, stays under the threshold; the first and last steps always call it. The chosen threshold is the largest one that, with every smaller one, loses at most {Tolerance:0.000} judge accuracy (the cache calibration's tolerance) and {ClipDrop:P0} CLIP score against the full runs.");
        Line($"");
        Line($"**Chosen: {Reason}.**");
        Line($"");
        Line($"| threshold | UNet calls saved | judge accuracy | CLIP score | distance to full | CLIP image cosine to full |");
        Line($"|---:|---:|---:|---:|---:|---:|");
        Line($"| 0 (full) | 0.000 | {Full.JudgeAccuracy:0.000} | {Full.ClipScore:0.0000} | 0.0000 | 1.0000 |");
        foreach (var p in Points)
        {
            Line($"| {p.Threshold:0.###} | {p.CallsSaved:0.000} | {p.JudgeAccuracy:0.000} | {p.ClipScore:0.0000} | {p.DistanceToFull:0.0000} | {p.ClipImageCosineToFull:0.0000} |");
        }
        Line($"");
        Line($"With {Full.JudgeChecks} judge checks per threshold, one run's accuracy has a standard error of about {Math.Sqrt(Full.JudgeAccuracy * (1 - Full.JudgeAccuracy) / Math.Max(1, Full.JudgeChecks)):0.000}; the comparison is paired (same prompts, same seeds), so the differences vary less than that.");
        Line($"");
        Line($"![{Path.GetFileNameWithoutExtension(plotFile)}]({plotFile})");
        return s.ToString();
    }

    public byte[] RenderPlot()
    {
        var xs = Points.Select(p => (double)p.Threshold).ToArray();
        ChartSeries Series(string name, SKColor colour, Func<ReusePoint, double> value, double full) =>
            new(name, colour, [(0.0, full), .. Points.Select(p => ((double)p.Threshold, value(p)))], Markers: true);
        var xRange = (0.0, xs.Max() * 1.05);
        return ChartSheet.Render(2, 560, 340,
        [
            new LineChart { Title = "UNet calls saved", XLabel = "threshold", YLabel = "share of calls", XRange = xRange, YRange = (0, 1),
                Series = [Series("calls saved", SKColors.SteelBlue, p => p.CallsSaved, 0)] },
            new LineChart { Title = "Quality against the full runs", XLabel = "threshold", YLabel = "score", XRange = xRange, YRange = (0, 1),
                Legend = LegendPlacement.BottomRight,
                Series =
                [
                    Series("judge accuracy", SKColors.DarkOrange, p => p.JudgeAccuracy, Full.JudgeAccuracy),
                    Series("CLIP score", SKColors.SeaGreen, p => p.ClipScore, Full.ClipScore),
                    Series("CLIP image cosine to full", SKColors.Crimson, p => p.ClipImageCosineToFull, 1),
                ] },
        ]);
    }
}
