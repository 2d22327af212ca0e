using System.Text.Json;

namespace Diffusion.Evaluation;

/// <summary>judge/config.json: class and background names and the decoding rule's parameters.</summary>
public sealed record JudgeConfig(IReadOnlyList<string> Classes, IReadOnlyList<string> BackgroundColours,
    float CenterThreshold, int PeakWindow, int MinArea, float RelationMargin, int CropSize, float CropMargin, float CropPadding)
{
    public static JudgeConfig Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        var decode = root.GetProperty("decode");
        return new JudgeConfig(
            root.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            root.GetProperty("background_colours").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            decode.GetProperty("center_threshold").GetSingle(),
            decode.GetProperty("peak_window").GetInt32(),
            decode.GetProperty("min_area").GetInt32(),
            decode.GetProperty("relation_margin").GetSingle(),
            decode.GetProperty("crop_size").GetInt32(),
            decode.GetProperty("crop_margin").GetSingle(),
            decode.GetProperty("crop_padding").GetSingle());
    }
}
