using Diffusion.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Diffusion.Evaluation;

/// <summary>
/// The evaluation judge (models/judge), used only to score images: a segmenter (background segmentation,
/// object centres and sizes, the background colour) and a classifier of a crop around each object. The decoding
/// rule is judge/config.json's, shared with models/training/judging.py.
/// </summary>
public sealed class JudgeModel : IDisposable
{
    public const int ImageSize = 64;
    private readonly OnnxModelSession _segmenter;
    private readonly OnnxModelSession _classifier;
    private readonly ObjectCropper _cropper;

    private JudgeModel(OnnxModelSession segmenter, OnnxModelSession classifier, JudgeConfig config)
    {
        _segmenter = segmenter;
        _classifier = classifier;
        Config = config;
        _cropper = new ObjectCropper(config.CropSize, config.CropMargin, config.CropPadding);
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
        // the judge runs now and then beside the UNet: idle workers must not spin on its cores
        var quiet = runtime with { AllowSpinning = false };
        return new JudgeModel(OnnxModelSession.Open(files[0], quiet), OnnxModelSession.Open(files[1], quiet), JudgeConfig.Load(files[2]));
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
        using var outputs = _segmenter.Run(["pixel_values"], [input], ["centers", "sizes", "background"]);
        var centres = outputs.ElementAt(0).GetTensorDataAsSpan<float>();
        var sizes = outputs.ElementAt(1).GetTensorDataAsSpan<float>();
        var bg = outputs.ElementAt(2).GetTensorDataAsSpan<float>();
        var colours = Config.BackgroundColours.Count;
        var verdicts = new JudgeVerdict[count];
        var heat = new float[plane];
        for (var n = 0; n < count; n++)
        {
            var logits = centres.Slice(n * plane, plane);
            for (var p = 0; p < plane; p++)
            {
                heat[p] = 1f / (1f + MathF.Exp(-logits[p]));
            }
            var peaks = CenterPeaks.Find(heat, ImageSize, ImageSize, Config.CenterThreshold, Config.PeakWindow);
            var objects = Classify(unit.AsSpan(n * 3 * plane, 3 * plane), peaks, sizes.Slice(n * 2 * plane, 2 * plane));
            var colour = ArgMax(bg.Slice(n * colours, colours));
            // the last background class means "unrecognisable"
            verdicts[n] = new JudgeVerdict(objects, colour == colours - 1 ? null : Config.BackgroundColours[colour]);
        }
        return verdicts;
    }

    private List<FoundObject> Classify(ReadOnlySpan<float> image, IReadOnlyList<(int X, int Y)> peaks, ReadOnlySpan<float> sizes)
    {
        const int plane = ImageSize * ImageSize;
        var found = new List<FoundObject>();
        if (peaks.Count == 0)
        {
            return found;
        }
        var size = _cropper.Size;
        var crops = new float[peaks.Count * 3 * size * size];
        var boxes = new (float W, float H)[peaks.Count];
        for (var i = 0; i < peaks.Count; i++)
        {
            var (x, y) = peaks[i];
            boxes[i] = (Math.Max(1f, sizes[y * ImageSize + x] * ImageSize), Math.Max(1f, sizes[plane + y * ImageSize + x] * ImageSize));
            _cropper.Crop(image, ImageSize, ImageSize, x + 0.5f, y + 0.5f, boxes[i].W, boxes[i].H,
                crops.AsSpan(i * 3 * size * size, 3 * size * size));
        }
        using var input = OrtValue.CreateTensorValueFromMemory(crops, [peaks.Count, 3, size, size]);
        using var outputs = _classifier.Run(["crops"], [input], ["logits"]);
        var logits = outputs.First().GetTensorDataAsSpan<float>();
        var classes = Config.Classes.Count + 1;
        for (var i = 0; i < peaks.Count; i++)
        {
            var cls = ArgMax(logits.Slice(i * classes, classes));
            var area = boxes[i].W * boxes[i].H;
            if (cls > 0 && area >= Config.MinArea)   // class 0: no object there
            {
                found.Add(new FoundObject(Config.Classes[cls - 1], (int)MathF.Round(area), peaks[i].X, peaks[i].Y));
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
