using Diffusion.Inference.Onnx;
using Microsoft.ML.OnnxRuntime;

namespace Diffusion.Evaluation;

/// <summary>The evaluation judge (models/judge): per-pixel classes and a background colour per image,
/// decoded into found objects by <see cref="ComponentLabeler"/>. Used only to score images.</summary>
public sealed class JudgeModel : IDisposable
{
    private const string InputName = "pixel_values";
    private static readonly string[] OutputNames = ["segmentation", "background"];
    private readonly OnnxModelSession _session;

    private JudgeModel(OnnxModelSession session, JudgeConfig config)
    {
        _session = session;
        Config = config;
    }

    public JudgeConfig Config { get; }

    public const int ImageSize = 64;

    public static JudgeModel Load(string judgeDirectory, OnnxRuntimeOptions? runtime = null)
    {
        var model = Path.Combine(judgeDirectory, "model.onnx");
        var config = Path.Combine(judgeDirectory, "config.json");
        if (!File.Exists(model) || !File.Exists(config))
        {
            throw new FileNotFoundException($"the judge needs {model} and {config}.");
        }
        return new JudgeModel(OnnxModelSession.Open(model, runtime ?? new OnnxRuntimeOptions()), JudgeConfig.Load(config));
    }

    /// <summary>Judges <paramref name="count"/> images given as [count,3,64,64] in [-1,1] (the VAE's range).</summary>
    public IReadOnlyList<JudgeVerdict> Judge(ReadOnlySpan<float> imagesMinusOneToOne, int count)
    {
        var plane = ImageSize * ImageSize;
        if (count < 1 || imagesMinusOneToOne.Length != count * 3 * plane)
        {
            throw new ArgumentException($"expected {count}×3×{ImageSize}×{ImageSize} values, got {imagesMinusOneToOne.Length}.");
        }
        var unit = new float[imagesMinusOneToOne.Length];
        for (var i = 0; i < unit.Length; i++)
        {
            // the judge takes [0,1], as the VAE output is shown: clamp like the PNG encoder does
            unit[i] = Math.Clamp(imagesMinusOneToOne[i] / 2f + 0.5f, 0f, 1f);
        }
        using var input = OrtValue.CreateTensorValueFromMemory(unit, [count, 3, ImageSize, ImageSize]);
        using var outputs = _session.Run([InputName], [input], OutputNames);
        var seg = outputs.ElementAt(0).GetTensorDataAsSpan<float>();
        var bg = outputs.ElementAt(1).GetTensorDataAsSpan<float>();
        var classes = Config.Classes.Count + 1;
        var colours = Config.BackgroundColours.Count;
        var verdicts = new JudgeVerdict[count];
        var labels = new int[plane];
        for (var n = 0; n < count; n++)
        {
            var logits = seg.Slice(n * classes * plane, classes * plane);
            for (var p = 0; p < plane; p++)
            {
                var best = 0;
                var bestValue = logits[p];
                for (var c = 1; c < classes; c++)
                {
                    var v = logits[c * plane + p];
                    if (v > bestValue)
                    {
                        bestValue = v;
                        best = c;
                    }
                }
                labels[p] = best;
            }
            var objects = ComponentLabeler.Find(labels, ImageSize, ImageSize, Config.MinArea, Config.Classes);
            var colourLogits = bg.Slice(n * colours, colours);
            var colour = 0;
            for (var c = 1; c < colours; c++)
            {
                if (colourLogits[c] > colourLogits[colour])
                {
                    colour = c;
                }
            }
            // the last background class means "unrecognisable"
            verdicts[n] = new JudgeVerdict(objects, colour == colours - 1 ? null : Config.BackgroundColours[colour]);
        }
        return verdicts;
    }

    public void Dispose() => _session.Dispose();
}
