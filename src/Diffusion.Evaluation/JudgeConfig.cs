using System.Text.Json;

namespace Diffusion.Evaluation;

/// <summary>judge/config.json: class and background names and the decoding rule's parameters.</summary>
public sealed record JudgeConfig(IReadOnlyList<string> Classes, IReadOnlyList<string> BackgroundColours,
    int MinArea, float RelationMargin, int CropSize, float CropMargin, float CropPadding)
{
    public static JudgeConfig Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = doc.RootElement;
        var decode = root.GetProperty("decode");
        if (decode.GetProperty("connectivity").GetInt32() != 8)
        {
            throw new InvalidDataException($"{path}: only 8-connected decoding is implemented.");
        }
        return new JudgeConfig(
            root.GetProperty("classes").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            root.GetProperty("background_colours").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            decode.GetProperty("min_area").GetInt32(),
            decode.GetProperty("relation_margin").GetSingle(),
            decode.GetProperty("crop_size").GetInt32(),
            decode.GetProperty("crop_margin").GetSingle(),
            decode.GetProperty("crop_padding").GetSingle());
    }
}
