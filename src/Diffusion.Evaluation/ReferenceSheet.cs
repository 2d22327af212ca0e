using Diffusion.Inference.Imaging;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Evaluation;

/// <summary>The reference renders of up to 100 held-out prompts (models/eval/references.png, 10×10 cells of
/// 64×64), for CLIP text→image retrieval and for checking the judge itself.</summary>
public sealed class ReferenceSheet
{
    private const int Cell = 64;
    private readonly float[] _planar;
    private readonly int _width;

    private ReferenceSheet(float[] planar, int width, int height)
    {
        _planar = planar;
        _width = width;
        Cells = width / Cell * (height / Cell);
    }

    public int Cells { get; }

    public static ReferenceSheet Load(string path)
    {
        var (planar, width, height) = PngImageCodec.DecodeToPlanar(File.ReadAllBytes(path));
        return new ReferenceSheet(planar, width, height);
    }

    /// <summary>Cell n as [3,64,64] in [-1,1].</summary>
    public float[] Image(int n)
    {
        var perRow = _width / Cell;
        int x0 = n % perRow * Cell, y0 = n / perRow * Cell;
        var height = _planar.Length / 3 / _width;
        var image = new float[3 * Cell * Cell];
        for (var c = 0; c < 3; c++)
        {
            for (var y = 0; y < Cell; y++)
            {
                _planar.AsSpan(c * _width * height + (y0 + y) * _width + x0, Cell)
                    .CopyTo(image.AsSpan(c * Cell * Cell + y * Cell, Cell));
            }
        }
        return image;
    }

    private List<(HeldOutPrompt Prompt, float[] Image)> Pairs(IReadOnlyList<HeldOutPrompt> prompts) =>
        prompts.Where(p => p.ReferenceCell is { } c && c < Cells).OrderBy(p => p.ReferenceCell)
            .Select(p => (p, Image(p.ReferenceCell!.Value))).ToList();

    /// <summary>Fraction of prompts whose own reference image is the nearest by CLIP cosine among all cells.</summary>
    public double ClipTop1(DiffusionPipeline pipeline, IReadOnlyList<HeldOutPrompt> prompts)
    {
        var pairs = Pairs(prompts);
        var images = pairs.SelectMany(p => p.Image).ToArray();
        var imageEmbeds = pipeline.EncodeImages(images, pairs.Count, Cell, Cell)
            ?? throw new InvalidOperationException("the model folder has no image_encoder; CLIP retrieval needs it.");
        var dim = imageEmbeds.Length / pairs.Count;
        var correct = 0;
        for (var i = 0; i < pairs.Count; i++)
        {
            var text = pipeline.EncodePrompt(pairs[i].Prompt.Prompt).TextEmbeds
                ?? throw new InvalidOperationException("the text encoder has no text_embeds output.");
            var best = -1;
            var bestScore = double.NegativeInfinity;
            for (var j = 0; j < pairs.Count; j++)
            {
                var score = Cosine(text, imageEmbeds.AsSpan(j * dim, dim));
                if (score > bestScore)
                {
                    bestScore = score;
                    best = j;
                }
            }
            correct += best == i ? 1 : 0;
        }
        return Math.Round((double)correct / pairs.Count, 4);
    }

    public IReadOnlyDictionary<string, double> JudgeReferences(JudgeModel judge, PromptScoring scoring, IReadOnlyList<HeldOutPrompt> prompts)
    {
        var tally = new MetricTally();
        foreach (var (prompt, image) in Pairs(prompts))
        {
            tally.Add(scoring.Score(prompt, judge.Judge(image, 1)[0]));
        }
        return tally.Fractions();
    }

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }
        return dot / Math.Sqrt(na * nb + 1e-12);
    }
}
