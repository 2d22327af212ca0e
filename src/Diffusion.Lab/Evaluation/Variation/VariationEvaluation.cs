using System.Diagnostics;
using Diffusion.Cache.Embeddings;
using Diffusion.Evaluation;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Lab.Evaluation.Variation;

/// <summary>
/// Measures what a cache hit does with the request's seed: for held-out prompts, a source run is cached at
/// K and resumed for two other seeds at each resume noise strength, then judged and compared with the
/// cache-off image of the same prompt and seed. Strength 0 is the old behaviour (every seed gets the
/// source's picture). The pipeline's own resume path is used, as the served engine and the bench use it.
/// </summary>
public sealed class VariationEvaluation(DiffusionPipeline pipeline, JudgeModel judge, PromptScoring scoring, VariationOptions options, TextWriter log)
{
    private const ulong SourceSeeds = 1000, SeedsA = 2000, SeedsB = 3000;

    private sealed record Hit(string Scenario, HeldOutPrompt Target, float[] SourceImage, float[] StartLatent, int K, int Index);

    public VariationReport Run(IReadOnlyList<HeldOutPrompt> heldOut, CancellationToken cancellationToken)
    {
        options.Validate();
        var started = Stopwatch.GetTimestamp();
        var targets = Enumerable.Range(0, Math.Min(options.Prompts, heldOut.Count))
            .Select(i => heldOut[(int)((long)i * heldOut.Count / Math.Min(options.Prompts, heldOut.Count))]).ToList();
        var embeddings = heldOut.Select(p => EmbeddingVectors.Normalize(EmbeddingVectors.OfPrompt(pipeline.EncodePrompt(p.Prompt)))).ToArray();
        var byIndex = heldOut.Select((p, i) => (p, i)).ToDictionary(x => x.p.Index, x => x.i);

        var reference = new MetricTally();
        var rows = new Dictionary<(string, float), RowTally>();
        for (var t = 0; t < targets.Count; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var target = targets[t];
            var own = embeddings[byIndex[target.Index]];
            var nearest = heldOut.Where(p => p.Prompt != target.Prompt)
                .MaxBy(p => EmbeddingVectors.Cosine(own, embeddings[byIndex[p.Index]]))!;

            var (repeatImage, repeatLatents) = Source(target.Prompt, SourceSeeds + (ulong)t, cancellationToken);
            var (similarImage, similarLatents) = Source(nearest.Prompt, SourceSeeds + (ulong)t, cancellationToken);
            var offA = Generate(Request(target.Prompt, SeedsA + (ulong)t), cancellationToken);
            reference.Add(Score(target, offA));

            foreach (var hit in new[]
                     {
                         new Hit("repeat", target, repeatImage, repeatLatents[options.RepeatK], options.RepeatK, t),
                         new Hit("similar", target, similarImage, similarLatents[options.SimilarK], options.SimilarK, t),
                     })
            {
                foreach (var strength in options.Strengths)
                {
                    var a = Resume(hit, SeedsA + (ulong)t, strength, cancellationToken);
                    var b = Resume(hit, SeedsB + (ulong)t, strength, cancellationToken);
                    var row = rows.TryGetValue((hit.Scenario, strength), out var r) ? r : rows[(hit.Scenario, strength)] = new RowTally();
                    row.Add(Score(target, a), Distance(a, offA), Distance(a, b), Distance(a, hit.SourceImage));
                }
            }
            log.WriteLine($"variation: {t + 1}/{targets.Count} prompts, {Stopwatch.GetElapsedTime(started).TotalMinutes:0.0} min");
        }

        var referenceFractions = reference.Fractions();
        return new VariationReport(options, reference.Accuracy(), referenceFractions.GetValueOrDefault("background"),
            rows.OrderBy(kv => kv.Key.Item1 == "repeat" ? 0 : 1).ThenBy(kv => kv.Key.Item2)
                .Select(kv => kv.Value.Row(kv.Key.Item1, kv.Key.Item2)).ToList(),
            Stopwatch.GetElapsedTime(started));
    }

    private GenerationRequest Request(string prompt, ulong seed) => new()
    {
        Prompt = prompt, Seed = seed, Steps = options.Steps, GuidanceScale = options.GuidanceScale, Scheduler = options.Scheduler,
    };

    private (float[] Image, Dictionary<int, float[]> Latents) Source(string prompt, ulong seed, CancellationToken cancellationToken)
    {
        var latents = new Dictionary<int, float[]>();
        var result = pipeline.Generate(Request(prompt, seed) with { CaptureSteps = new HashSet<int> { options.RepeatK, options.SimilarK } },
            new GenerationHooks { LatentCaptured = c => latents[c.Step] = c.Latents }, cancellationToken);
        return (result.Images.Image(0).ToArray(), latents);
    }

    private float[] Resume(Hit hit, ulong seed, float strength, CancellationToken cancellationToken) =>
        Generate(Request(hit.Target.Prompt, seed) with { StartStep = hit.K, StartLatent = hit.StartLatent, ResumeNoiseStrength = strength },
            cancellationToken);

    private float[] Generate(GenerationRequest request, CancellationToken cancellationToken) =>
        pipeline.Generate(request, null, cancellationToken).Images.Image(0).ToArray();

    private IReadOnlyDictionary<string, bool> Score(HeldOutPrompt prompt, float[] image) => scoring.Score(prompt, judge.Judge(image, 1)[0]);

    /// <summary>Mean absolute difference of two images in [-1, 1], on the 0–255 scale.</summary>
    public static double Distance(float[] a, float[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++) sum += Math.Abs(a[i] - b[i]);
        return sum / a.Length * 127.5;
    }

    private sealed class RowTally
    {
        private readonly MetricTally checks = new();
        private readonly List<(double Own, double Seeds, double Source)> distances = [];

        public void Add(IReadOnlyDictionary<string, bool> scores, double own, double seeds, double source)
        {
            checks.Add(scores);
            distances.Add((own, seeds, source));
        }

        public VariationRow Row(string scenario, float strength) => new(scenario, strength, distances.Count, checks.Accuracy(),
            checks.Fractions().GetValueOrDefault("background"), Math.Round(distances.Average(d => d.Own), 2),
            Math.Round(distances.Average(d => d.Seeds), 2), Math.Round(distances.Count(d => d.Seeds < 0.5) / (double)distances.Count, 4),
            Math.Round(distances.Average(d => d.Source), 2));
    }
}
