using Diffusion.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Diffusion.Evaluation;

/// <summary>
/// The evaluation judge (models/judge), used only to score images: a segmenter (object pixels vs
/// background, and the background colour) and a classifier of a crop around each segment. The decoding
/// rule is judge/config.json's, shared with models/training/judging.py.
/// </summary>
public sealed class JudgeModel : IDisposable
{
    public const int ImageSize = 64;
    private readonly OnnxModelSession _segmenter;
    private readonly OnnxModelSession _classifier;
    private readonly SegmentCropper _cropper;

    private JudgeModel(OnnxModelSession segmenter, OnnxModelSession classifier, JudgeConfig config)
    {
        _segmenter = segmenter;
        _classifier = classifier;
        Config = config;
        _cropper = new SegmentCropper(config.CropSize, config.CropMargin, config.CropPadding);
    }

    public JudgeConfig Config { get; }

    public static JudgeModel Load(string judgeDirectory, OnnxRuntimeOptions? runtime = null)
    {
        var files = new[] { "model.onnx", "classifier.onnx", "config.json" }.Select(f => Path.Combine(judgeDirectory, f)).ToArray();
        if (files.FirstOrDefault(f => !File.Exists(f)) is { } missing)
        {
            throw new FileNotFoundException($"the judge needs {string.Join(", ", files)}; {missing} is missing.", missing);
        }
        runtime ??= new OnnxRuntimeOptions();
        return new JudgeModel(OnnxModelSession.Open(files[0], runtime), OnnxModelSession.Open(files[1], runtime), JudgeConfig.Load(files[2]));
    }

    /// <summary>Judges <paramref name="count"/> images given as [count,3,64,64] in [-1,1] (the VAE's range).</summary>
    public IReadOnlyList<JudgeVerdict> Judge(ReadOnlySpan<float> imagesMinusOneToOne, int count)
    {
        const int plane = ImageSize * ImageSize;
        if (count < 1 || imagesMinusOneToOne.Length != count * 3 * plane)
        {
            throw new ArgumentException($"expected {count}×3×{ImageSize}×{ImageSize} values, got {imagesMinusOneToOne.Length}.");
        }
        var unit = new float[imagesMinusOneToOne.Length];
        for (var i = 0; i < unit.Length; i++)
        {
            // the judge takes [0,1], clamped as the PNG encoder clamps
            unit[i] = Math.Clamp(imagesMinusOneToOne[i] / 2f + 0.5f, 0f, 1f);
        }
        using var input = OrtValue.CreateTensorValueFromMemory(unit, [count, 3, ImageSize, ImageSize]);
        using var outputs = _segmenter.Run(["pixel_values"], [input], ["segmentation", "background"]);
        var seg = outputs.ElementAt(0).GetTensorDataAsSpan<float>();
        var bg = outputs.ElementAt(1).GetTensorDataAsSpan<float>();
        var colours = Config.BackgroundColours.Count;
        var verdicts = new JudgeVerdict[count];
        var mask = new bool[plane];
        for (var n = 0; n < count; n++)
        {
            var logits = seg.Slice(n * 2 * plane, 2 * plane);
            for (var p = 0; p < plane; p++)
            {
                mask[p] = logits[plane + p] > logits[p];
            }
            var segments = ComponentLabeler.Find(mask, ImageSize, ImageSize, Config.MinArea);
            var objects = Classify(unit.AsSpan(n * 3 * plane, 3 * plane), segments);
            var colour = ArgMax(bg.Slice(n * colours, colours));
            // the last background class means "unrecognisable"
            verdicts[n] = new JudgeVerdict(objects, colour == colours - 1 ? null : Config.BackgroundColours[colour]);
        }
        return verdicts;
    }

    private List<FoundObject> Classify(ReadOnlySpan<float> image, IReadOnlyList<Segment> segments)
    {
        var found = new List<FoundObject>();
        if (segments.Count == 0)
        {
            return found;
        }
        var size = _cropper.Size;
        var crops = new float[segments.Count * 3 * size * size];
        for (var i = 0; i < segments.Count; i++)
        {
            _cropper.Crop(image, ImageSize, ImageSize, segments[i], crops.AsSpan(i * 3 * size * size, 3 * size * size));
        }
        using var input = OrtValue.CreateTensorValueFromMemory(crops, [segments.Count, 3, size, size]);
        using var outputs = _classifier.Run(["crops"], [input], ["logits"]);
        var logits = outputs.First().GetTensorDataAsSpan<float>();
        var classes = Config.Classes.Count + 1;
        for (var i = 0; i < segments.Count; i++)
        {
            var cls = ArgMax(logits.Slice(i * classes, classes));
            if (cls > 0)   // class 0: the segment is no object
            {
                var s = segments[i];
                found.Add(new FoundObject(Config.Classes[cls - 1], s.Area, s.CenterX, s.CenterY));
            }
        }
        return found;
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
            {
                best = i;
            }
        }
        return best;
    }

    public void Dispose()
    {
        _segmenter.Dispose();
        _classifier.Dispose();
    }
}
