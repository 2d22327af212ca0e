using Diffusion.Evaluation;
using Diffusion.Evaluation.World;

namespace Diffusion.Lab.Scoring;

/// <summary>
/// Scores generated images against the facts of canonical prompts with the evaluation judge and the
/// held-out set's rules (<see cref="PromptScoring"/>): a single object is checked for presence and
/// position, counts for the count, pairs and triples for every object, relations for the relation; every
/// prompt also for its background colour.
/// </summary>
public sealed class SceneJudge : IDisposable
{
    private readonly JudgeModel _judge;
    private readonly PromptScoring _scoring;
    private readonly bool _ownsJudge;

    /// <summary>Scores with <paramref name="judge"/>, which stays the caller's.</summary>
    public SceneJudge(JudgeModel judge, PromptScoring scoring)
        : this(judge, scoring, ownsJudge: false)
    {
    }

    private SceneJudge(JudgeModel judge, PromptScoring scoring, bool ownsJudge)
    {
        _judge = judge ?? throw new ArgumentNullException(nameof(judge));
        _scoring = scoring ?? throw new ArgumentNullException(nameof(scoring));
        _ownsJudge = ownsJudge;
    }

    /// <summary>Loads the judge (models/judge) and the world's geometry (models/world.json) from a model folder.</summary>
    public static SceneJudge Load(string modelsDirectory, string worldJsonPath)
    {
        var judge = JudgeModel.Load(Path.Combine(modelsDirectory, "judge"));
        try
        {
            return new SceneJudge(judge, new PromptScoring(WorldGeometry.Load(worldJsonPath), judge.Config.RelationMargin), ownsJudge: true);
        }
        catch (Exception)
        {
            judge.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_ownsJudge)
        {
            _judge.Dispose();
        }
    }

    /// <summary>The held-out records that state a scene's facts (one per scoring category that applies).</summary>
    public static IReadOnlyList<HeldOutPrompt> Facts(EmojiScene scene, string prompt)
    {
        var objects = scene.Items.Select(i => i.Concept).ToArray();
        HeldOutPrompt Record(string category) => new(-1, category, prompt, prompt, scene.Kind.ToString().ToLowerInvariant(), objects,
            scene.Kind == SceneKind.Count ? scene.Count : objects.Length, scene.Colour, scene.Texture, scene.Position, scene.Relation, null);
        return scene.Kind switch
        {
            SceneKind.Single => [Record("single_object"), Record("position_absolute")],
            SceneKind.Count => [Record("counting")],
            SceneKind.Relation => [Record("position_relation")],
            SceneKind.Pair or SceneKind.Triple => [Record("two_objects")],
            _ => throw new ArgumentException($"unknown scene kind '{scene.Kind}'.", nameof(scene)),
        };
    }

    /// <summary>Judges images ([count,3,64,64] in [-1,1]) and scores each against its scene: metric → passed.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, bool>> Score(ReadOnlySpan<float> images, IReadOnlyList<(EmojiScene Scene, string Prompt)> prompts)
    {
        if (prompts.Count == 0)
        {
            return [];
        }
        var verdicts = _judge.Judge(images, prompts.Count);
        var result = new IReadOnlyDictionary<string, bool>[prompts.Count];
        for (var i = 0; i < prompts.Count; i++)
        {
            var checks = new Dictionary<string, bool>();
            foreach (var facts in Facts(prompts[i].Scene, prompts[i].Prompt))
            {
                foreach (var (metric, ok) in _scoring.Score(facts, verdicts[i]))
                {
                    checks[metric] = ok;
                }
            }
            result[i] = checks;
        }
        return result;
    }

    /// <summary>The share of checks passed.</summary>
    public static double Accuracy(IEnumerable<IReadOnlyDictionary<string, bool>> checks)
    {
        var all = checks.SelectMany(c => c.Values).ToArray();
        return all.Length == 0 ? 0 : all.Count(ok => ok) / (double)all.Length;
    }
}
