using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Evaluation;

/// <summary>Settings of one quality measurement; the defaults are the model card's.</summary>
public sealed record ModelEvaluationOptions
{
    public int Steps { get; init; } = 50;
    public float GuidanceScale { get; init; } = 4f;
    public SchedulerKind Scheduler { get; init; } = SchedulerKind.Ddim;

    /// <summary>Evaluate only the first N prompts (null: all).</summary>
    public int? Limit { get; init; }

    /// <summary>
    /// The training code's initial latents, [prompts, latent] by prompt index (models/eval/initial_latents.bin),
    /// so the images are the same samples PyTorch judged; null draws from this pipeline's seeded generator.
    /// </summary>
    public float[]? InitialLatents { get; init; }

    public ModelEvaluationOptions Validate()
    {
        if (Steps is < 1 or > GenerationRequest.MaxSteps)
        {
            throw new ArgumentException($"steps must be in 1..{GenerationRequest.MaxSteps} (got {Steps}).");
        }
        if (Limit is < 1)
        {
            throw new ArgumentException($"limit must be at least 1 (got {Limit}).");
        }
        return this;
    }
}

/// <summary>The quality table (fractions per metric, as in models/EVAL.json) plus what it was measured on.</summary>
public sealed record ModelEvaluationReport(IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, double> JudgeOnReferences, int Prompts, TimeSpan Elapsed);

/// <summary>
/// Re-measures the model card's quality table through the C# pipeline: each held-out prompt is generated
/// with seed = its index, judged, and scored; CLIP retrieval runs on the reference sheet; the LLM's
/// expansions of the loose prompts are checked with the canonical-prompt parser.
/// </summary>
public sealed class ModelEvaluation
{
    private readonly DiffusionPipeline _pipeline;
    private readonly JudgeModel _judge;
    private readonly PromptScoring _scoring;

    public ModelEvaluation(DiffusionPipeline pipeline, JudgeModel judge, PromptScoring scoring)
    {
        _pipeline = pipeline;
        _judge = judge;
        _scoring = scoring;
    }

    public async Task<ModelEvaluationReport> RunAsync(IReadOnlyList<HeldOutPrompt> prompts, ModelEvaluationOptions options,
        ReferenceSheet? references, LlmExpansionCheck? llm, IProgress<(int Done, int Total)>? progress,
        CancellationToken cancellationToken)
    {
        options.Validate();
        var started = DateTime.UtcNow;
        var chosen = options.Limit is { } limit ? prompts.Take(limit).ToList() : prompts.ToList();
        var tally = new MetricTally();
        for (var i = 0; i < chosen.Count; i++)
        {
            var prompt = chosen[i];
            var length = _pipeline.LatentLength;
            float[]? noise = null;
            if (options.InitialLatents is { } latents)
            {
                if ((prompt.Index + 1) * length > latents.Length)
                {
                    throw new InvalidDataException($"the initial latents hold {latents.Length / length} prompts; prompt {prompt.Index} has none.");
                }
                noise = latents.AsSpan(prompt.Index * length, length).ToArray();
            }
            var result = await _pipeline.GenerateAsync(new GenerationRequest
            {
                Prompt = prompt.Prompt,
                Seed = (ulong)prompt.Index,
                InitialNoise = noise,
                Steps = options.Steps,
                GuidanceScale = options.GuidanceScale,
                Scheduler = options.Scheduler,
            }, null, cancellationToken).ConfigureAwait(false);
            var verdict = _judge.Judge(result.Images.Image(0), 1)[0];
            tally.Add(_scoring.Score(prompt, verdict));
            progress?.Report((i + 1, chosen.Count));
        }
        var metrics = new Dictionary<string, double>(tally.Fractions());
        var onReferences = new Dictionary<string, double>();
        if (references is not null)
        {
            metrics["clip_top1"] = references.ClipTop1(_pipeline, prompts);
            foreach (var (k, v) in references.JudgeReferences(_judge, _scoring, prompts))
            {
                onReferences[k] = v;
            }
        }
        if (llm is not null)
        {
            metrics["llm_valid"] = await llm.ValidFractionAsync(chosen, cancellationToken).ConfigureAwait(false);
        }
        return new ModelEvaluationReport(metrics, onReferences, chosen.Count, DateTime.UtcNow - started);
    }
}
