using Diffusion.Evaluation.World;
using Diffusion.Lab.Traces.World;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Traces;

/// <summary>
/// Generates a request trace of the emoji world with the structure of real image-generation logs:
/// a pool of popular scenes with Zipf popularity, users who start a scene and then edit one
/// attribute at a time or resend it, and bursty inter-arrival times drawn from the real gaps.
/// Every prompt is a canonical prompt of the world. Deterministic for a seed.
/// </summary>
public sealed class TraceGenerator
{
    private const int LeakageSamples = 2000;
    private const int NewSceneAttempts = 200;
    private const int EditAttempts = 24;

    private readonly TraceOptions _options;
    private readonly SceneSampler _sampler;
    private readonly SceneEditor _editor;
    private readonly CanonicalPromptWriter _writer;
    private readonly SmallEditRule _smallEdit;
    private readonly EmpiricalDistribution _gaps;
    private readonly ZipfDistribution _popularity;
    private readonly ZipfDistribution _activity;
    private readonly string[] _userIds;
    private readonly long _mainSeed;

    public TraceGenerator(EmojiWorld world, TraceParameters parameters, TraceOptions options)
    {
        options.Validate();
        _options = options;
        _sampler = new SceneSampler(world);
        _editor = new SceneEditor(_sampler);
        _writer = new CanonicalPromptWriter(world);
        _smallEdit = new SmallEditRule(parameters.SmallEditThreshold);
        _gaps = parameters.InterArrival();
        _popularity = new ZipfDistribution(options.PopularPoolSize, options.PopularityExponent ?? parameters.HeadZipfExponent);
        var users = options.Users ?? parameters.Users;
        _activity = new ZipfDistribution(users, parameters.UserActivityExponent);
        var digits = users.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        _userIds = Enumerable.Range(1, users).Select(u => "user-" + u.ToString("D" + digits, System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        // The pool and the leakage estimate use their own streams, so they are fixed by the seed alone.
        var random = new TraceRandom(options.Seed);
        Pool = SamplePool(random.Fork());
        var leakage = EstimateEditLeakage(random.Fork());
        Calibration = TraceCalibration.Compute(
            options.Count,
            options.RepeatRate ?? parameters.RepeatRate,
            options.EditRate ?? parameters.EditFraction,
            options.PopularShare ?? parameters.HeadShareOfRepeats,
            _popularity,
            _activity,
            leakage);
        _mainSeed = unchecked((long)random.NextUInt64());
    }

    /// <summary>The popular scenes, most popular first.</summary>
    public IReadOnlyList<EmojiScene> Pool { get; }

    public TraceCalibration Calibration { get; }

    public IReadOnlyList<TraceRequest> Generate()
    {
        var random = new TraceRandom(_mainSeed);
        var poolPrompts = Pool.Select(_writer.Write).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var previous = new EmojiScene?[_userIds.Length];
        var requests = new List<TraceRequest>(_options.Count);
        var seconds = 0.0;
        for (var index = 0; index < _options.Count; index++)
        {
            if (index > 0)
            {
                seconds += _gaps.Sample(random) * _options.TimeScale;
            }

            var user = _activity.Sample(random);
            var seed = (long)(random.NextUInt64() >> 32);
            var last = previous[user];
            var (scene, kind) = NextScene(random, last, seen, poolPrompts);
            var prompt = _writer.Write(scene);
            seen.Add(prompt);
            previous[user] = scene;
            // whole milliseconds, so a trace written to a file reads back identical
            var at = TimeSpan.FromMilliseconds(Math.Round(seconds * 1000));
            requests.Add(new TraceRequest(index, at, _userIds[user], prompt, seed, kind));
        }

        return requests;
    }

    private (EmojiScene Scene, TraceRequestKind Kind) NextScene(
        TraceRandom random, EmojiScene? last, HashSet<string> seen, HashSet<string> poolPrompts)
    {
        var u = random.NextDouble();
        if (u < Calibration.PopularProbability)
        {
            return (Pool[_popularity.Sample(random)], TraceRequestKind.PopularRepeat);
        }

        if (last is not null)
        {
            var v = (u - Calibration.PopularProbability) / (1 - Calibration.PopularProbability);
            if (v < Calibration.ExactRepeatProbability)
            {
                return (last, TraceRequestKind.ExactRepeat);
            }

            if (v < Calibration.ExactRepeatProbability + Calibration.EditProbability
                && TryEdit(random, last, seen, poolPrompts) is { } edited)
            {
                return (edited, TraceRequestKind.Edit);
            }
        }

        return (NewScene(random, last, seen, poolPrompts), TraceRequestKind.New);
    }

    /// <summary>
    /// An edit whose prompt is new to the trace: an edit back to an earlier prompt would be a
    /// repeat the calibration does not plan for. Null when no such edit was found.
    /// </summary>
    private EmojiScene? TryEdit(TraceRandom random, EmojiScene last, HashSet<string> seen, HashSet<string> poolPrompts)
    {
        var attributes = _editor.EditableAttributes(last);
        for (var attempt = 0; attempt < EditAttempts; attempt++)
        {
            var edited = _editor.Edit(last, random.Pick(attributes), random);
            var prompt = _writer.Write(edited);
            if (!seen.Contains(prompt) && !poolPrompts.Contains(prompt))
            {
                return edited;
            }
        }

        return null;
    }

    /// <summary>
    /// A scene unseen in the trace, outside the pool, and not a small edit of the user's previous
    /// prompt: a new session is not an edit, and repeats and edits come only from their own kinds.
    /// </summary>
    private EmojiScene NewScene(TraceRandom random, EmojiScene? last, HashSet<string> seen, HashSet<string> poolPrompts)
    {
        var lastWords = last is null ? null : PromptText.Words(_writer.Write(last));
        for (var attempt = 0; attempt < NewSceneAttempts; attempt++)
        {
            var scene = _sampler.Sample(random);
            var prompt = _writer.Write(scene);
            if (seen.Contains(prompt) || poolPrompts.Contains(prompt))
            {
                continue;
            }

            if (lastWords is not null && _smallEdit.SmallEditDistance(lastWords, PromptText.Words(prompt)) is not null)
            {
                continue;
            }

            return scene;
        }

        throw new InvalidOperationException($"No new scene found in {NewSceneAttempts} draws: the emoji world is too small for a trace of {_options.Count} requests.");
    }

    private IReadOnlyList<EmojiScene> SamplePool(TraceRandom random)
    {
        var pool = new List<EmojiScene>(_options.PopularPoolSize);
        var prompts = new HashSet<string>(StringComparer.Ordinal);
        var attempts = 0;
        while (pool.Count < _options.PopularPoolSize)
        {
            if (++attempts > 100 * _options.PopularPoolSize)
            {
                throw new InvalidOperationException($"The emoji world has too few scenes for a popular pool of {_options.PopularPoolSize}.");
            }

            var scene = _sampler.Sample(random);
            if (prompts.Add(_writer.Write(scene)))
            {
                pool.Add(scene);
            }
        }

        return pool;
    }

    /// <summary>
    /// How often a pool draw is, by chance, a small edit of a user's previous prompt (estimated
    /// against random scenes; canonical prompts share most of their words, so this is not rare).
    /// </summary>
    private double EstimateEditLeakage(TraceRandom random)
    {
        var hits = 0;
        for (var i = 0; i < LeakageSamples; i++)
        {
            var drawn = PromptText.Words(_writer.Write(Pool[_popularity.Sample(random)]));
            var before = PromptText.Words(_writer.Write(_sampler.Sample(random)));
            if (_smallEdit.SmallEditDistance(before, drawn) is not null)
            {
                hits++;
            }
        }

        return (double)hits / LeakageSamples;
    }
}
