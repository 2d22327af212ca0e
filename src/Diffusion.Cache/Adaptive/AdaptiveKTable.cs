using Diffusion.Cache.Policy;
using Microsoft.Extensions.Logging;

namespace Diffusion.Cache.Adaptive;

/// <summary>
/// A similarity→K table that keeps learning in service. The similarity range is cut into buckets; each bucket
/// starts at the calibrated table's K and moves one cache point at a time by <see cref="ConstrainedKRule"/>,
/// judged on the CLIP image–text score of the images its hits make against the score runs from noise get at that
/// similarity (the bucket's control runs, or all buckets' recent controls until it has enough). A few hits try the next
/// larger K (<see cref="AdaptiveKOptions.ExploreRate"/>) and a few would-be hits run from noise as controls
/// (<see cref="AdaptiveKOptions.ControlRate"/>). The K in use is kept monotone in similarity: a bucket never
/// skips more than any more similar bucket. Thread-safe; saved to <see cref="AdaptiveKOptions.StatePath"/>.
/// </summary>
public sealed class AdaptiveKTable
{
    private readonly object _gate = new();
    private readonly AdaptiveKOptions _options;
    private readonly ILogger _logger;
    private readonly Random _random;
    private readonly int[] _ladder;
    private readonly double[] _edges;
    private readonly Bucket[] _buckets;
    private readonly SampleWindow _baseline;
    private readonly string? _calibratedFor;
    private long _observations;
    private long _explorations;
    private long _controls;
    private long _promotions;
    private long _demotions;

    public AdaptiveKTable(SimilarityKTable calibrated, CachePoints points, AdaptiveKOptions options, string? calibratedFor, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(calibrated);
        ArgumentNullException.ThrowIfNull(points);
        _options = (options ?? throw new ArgumentNullException(nameof(options))).Validate();
        _logger = logger;
        _calibratedFor = calibratedFor;
        _random = new Random(options.Seed);
        _ladder = [0, .. points.ReferenceKs];
        _edges = (options.BucketEdges ?? DerivedEdges(calibrated)).ToArray();
        _buckets = Enumerable.Range(0, _edges.Length + 1).Select(b =>
        {
            var start = Array.IndexOf(_ladder, calibrated.KFor(Representative(b)));
            return new Bucket(start < 0 ? 0 : start, _ladder.Length, options.Window);
        }).ToArray();
        _baseline = new SampleWindow(options.BaselineWindow);
        if (options.StatePath is { } path && File.Exists(path))
        {
            Restore(path);
        }
    }

    /// <summary>The reference-run Ks a bucket may use, ascending, 0 (a run from noise) first.</summary>
    public IReadOnlyList<int> Ladder => _ladder;

    /// <summary>Inner bucket edges, ascending.</summary>
    public IReadOnlyList<double> Edges => _edges;

    /// <summary>One draw per lookup: exploit the bucket's K, explore the next larger one, or keep the run as a control.</summary>
    public AdaptiveDraw Draw()
    {
        lock (_gate)
        {
            var u = _random.NextDouble();
            return u < _options.ControlRate ? AdaptiveDraw.Control
                : u < _options.ControlRate + _options.ExploreRate ? AdaptiveDraw.Explore
                : AdaptiveDraw.Exploit;
        }
    }

    /// <summary>The K (of the reference run) a candidate at <paramref name="similarity"/> may lend under <paramref name="draw"/>.</summary>
    public int ReferenceKFor(double similarity, AdaptiveDraw draw)
    {
        lock (_gate)
        {
            var bucket = BucketOf(similarity);
            var index = EffectiveIndex(bucket);
            if (draw == AdaptiveDraw.Explore && index + 1 < _ladder.Length && ExploreAllowed(bucket, index + 1))
            {
                index++;
            }
            return _ladder[index];
        }
    }

    /// <summary>Learns from one scored image: a hit at <see cref="AdaptiveArm.ReferenceK"/>, or a run from noise (K 0).</summary>
    public void Observe(AdaptiveArm arm, double clipScore)
    {
        ArgumentNullException.ThrowIfNull(arm);
        if (!double.IsFinite(clipScore) || !double.IsFinite(arm.Similarity))
        {
            return;
        }
        bool save;
        lock (_gate)
        {
            if (arm.ReferenceK == 0 && arm.Draw != AdaptiveDraw.Control)
            {
                return;   // only controls stand for the would-be hits run from noise (see AdaptiveArm)
            }
            var bucket = BucketOf(arm.Similarity);
            var index = Array.IndexOf(_ladder, arm.ReferenceK);
            if (index < 0)
            {
                index = Math.Max(0, Array.FindLastIndex(_ladder, k => k <= arm.ReferenceK));
            }
            var state = _buckets[bucket];
            state.Arms[index].Add(clipScore);
            if (index == 0)
            {
                _baseline.Add(clipScore);
            }
            _observations++;
            if (arm.Draw == AdaptiveDraw.Explore)
            {
                _explorations++;
            }
            else if (arm.Draw == AdaptiveDraw.Control)
            {
                _controls++;
            }
            var next = ConstrainedKRule.Next(state.Current, i => Verdict(bucket, i), _ladder.Length);
            if (next != state.Current)
            {
                _logger.LogInformation("Adaptive K: similarity bucket {Bucket} moves from K {From} to K {To}", Describe(bucket), _ladder[state.Current], _ladder[next]);
                if (next > state.Current)
                {
                    _promotions++;
                }
                else
                {
                    _demotions++;
                }
                state.Current = next;
            }
            save = _options.StatePath is not null && _observations % _options.SaveEvery == 0;
        }
        if (save)
        {
            TrySave();
        }
    }

    /// <summary>The table in effect now, as a similarity→K table (the K each bucket uses, monotone).</summary>
    public SimilarityKTable Learned()
    {
        lock (_gate)
        {
            var rows = new List<SimilarityThreshold>();
            for (var i = 1; i < _ladder.Length; i++)
            {
                var first = Enumerable.Range(0, _buckets.Length).FirstOrDefault(b => EffectiveIndex(b) >= i, -1);
                if (first >= 0)
                {
                    rows.Add(new SimilarityThreshold(Low(first), _ladder[i]));
                }
            }
            return new SimilarityKTable(rows);
        }
    }

    /// <summary>What the table has learned, for /metrics and the dashboard.</summary>
    public AdaptiveKSnapshot Snapshot()
    {
        lock (_gate)
        {
            var buckets = Enumerable.Range(0, _buckets.Length).Select(b =>
            {
                var expected = Expected(b);
                return new AdaptiveBucketSnapshot(
                    Low(b),
                    High(b),
                    _ladder[_buckets[b].Initial],
                    _ladder[EffectiveIndex(b)],
                    Enumerable.Range(0, _ladder.Length).Select(i =>
                    {
                        var arm = Estimate(_buckets[b].Arms[i]);
                        return new AdaptiveArmSnapshot(_ladder[i], arm.Count, arm.Count == 0 ? null : arm.Mean,
                            arm.Count == 0 || expected.Count < 2 || i == 0 ? null : expected.Mean - arm.Mean, Name(Verdict(b, i)));
                    }).ToArray());
            }).ToArray();
            return new AdaptiveKSnapshot(buckets, _baseline.Count, _baseline.Count == 0 ? null : _baseline.Mean, _options.Tolerance,
                _observations, _explorations, _controls, _promotions, _demotions);
        }
    }

    /// <summary>Writes the state to <see cref="AdaptiveKOptions.StatePath"/> (no-op without one); a failed write is logged, not thrown.</summary>
    public void TrySave()
    {
        if (_options.StatePath is not { } path)
        {
            return;
        }
        AdaptiveKStateFile state;
        lock (_gate)
        {
            state = new AdaptiveKStateFile
            {
                Format = AdaptiveKStateFile.CurrentFormat,
                CalibratedFor = _calibratedFor,
                Edges = _edges,
                Ladder = _ladder,
                Baseline = _baseline.Values().ToArray(),
                Buckets = _buckets.Select(b => new AdaptiveKStateFile.BucketState
                {
                    K = _ladder[b.Current],
                    Arms = b.Arms.Select(a => a.Values().ToArray()).ToArray(),
                }).ToArray(),
            };
        }
        try
        {
            state.Save(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Could not save the adaptive K state to {Path}: {Message}", path, e.Message);
        }
    }

    private void Restore(string path)
    {
        try
        {
            var state = AdaptiveKStateFile.Load(path);
            if (state.CalibratedFor != _calibratedFor || !state.Edges.SequenceEqual(_edges) || !state.Ladder.SequenceEqual(_ladder)
                || state.Buckets.Length != _buckets.Length)
            {
                _logger.LogWarning("Adaptive K state {Path} was learned for another table or model; starting from the calibrated table", path);
                return;
            }
            _baseline.Load(state.Baseline);
            for (var b = 0; b < _buckets.Length; b++)
            {
                var saved = state.Buckets[b];
                var index = Array.IndexOf(_ladder, saved.K);
                _buckets[b].Current = index < 0 ? _buckets[b].Initial : index;
                for (var i = 0; i < _ladder.Length && i < saved.Arms.Length; i++)
                {
                    _buckets[b].Arms[i].Load(saved.Arms[i]);
                }
            }
        }
        catch (InvalidDataException e)
        {
            // the state only saves relearning; a damaged file must not stop the cache
            _logger.LogWarning("Adaptive K state {Path} unreadable ({Message}); starting from the calibrated table", path, e.Message);
        }
    }

    /// <summary>The calibrated table's thresholds and the midpoints between neighbouring ones.</summary>
    private static double[] DerivedEdges(SimilarityKTable calibrated)
    {
        var thresholds = calibrated.Thresholds.Select(t => t.MinSimilarity).Where(t => t > -1 && t < 1).Distinct().Order().ToArray();
        if (thresholds.Length == 0)
        {
            return [0.5, 0.75, 0.9];
        }
        var edges = new List<double>(thresholds);
        for (var i = 1; i < thresholds.Length; i++)
        {
            edges.Add((thresholds[i - 1] + thresholds[i]) / 2);
        }
        edges.Add((thresholds[^1] + 1) / 2);
        return edges.Select(e => Math.Round(e, 4)).Distinct().Order().ToArray();
    }

    private int BucketOf(double similarity)
    {
        var bucket = 0;
        while (bucket < _edges.Length && similarity > _edges[bucket])
        {
            bucket++;
        }
        return bucket;
    }

    private double Representative(int bucket) => (Low(bucket) + High(bucket)) / 2;

    /// <summary>A bucket never skips more than a more similar one: the smallest K at or above it.</summary>
    private int EffectiveIndex(int bucket)
    {
        var index = _buckets[bucket].Current;
        for (var b = bucket + 1; b < _buckets.Length; b++)
        {
            index = Math.Min(index, _buckets[b].Current);
        }
        return index;
    }

    /// <summary>A ruled-out K is tried again only rarely (a quarter of explorations), so a shift in the prompt mix can clear it.</summary>
    private bool ExploreAllowed(int bucket, int index) =>
        Verdict(bucket, index) != ArmVerdict.RuledOut || _random.NextDouble() < 0.25;

    private ArmVerdict Verdict(int bucket, int index)
    {
        if (index == 0)
        {
            return ArmVerdict.Proven;
        }
        // skipping more steps never costs less: a smaller K ruled out rules this one out too
        for (var i = 1; i < index; i++)
        {
            if (ConstrainedKRule.Judge(Estimate(_buckets[bucket].Arms[i]), Expected(bucket), _options) == ArmVerdict.RuledOut)
            {
                return ArmVerdict.RuledOut;
            }
        }
        return ConstrainedKRule.Judge(Estimate(_buckets[bucket].Arms[index]), Expected(bucket), _options);
    }

    /// <summary>The bucket's own controls once there are enough, else all buckets' recent controls.</summary>
    private ArmEstimate Expected(int bucket)
    {
        var own = _buckets[bucket].Arms[0];
        return Estimate(own.Count >= _options.MinSamples ? own : _baseline);
    }

    private static string Name(ArmVerdict verdict) => verdict switch
    {
        ArmVerdict.Proven => "proven",
        ArmVerdict.RuledOut => "ruled_out",
        _ => "unknown",
    };

    private static ArmEstimate Estimate(SampleWindow window) => new(window.Count, window.Mean, window.StandardError);

    private string Describe(int bucket) =>
        $"({Low(bucket):0.###}, {High(bucket):0.###}]";

    /// <summary>A bucket covers (Low, High]; the outer buckets reach the ends of the cosine range.</summary>
    private double Low(int bucket) => bucket == 0 ? -1 : _edges[bucket - 1];

    private double High(int bucket) => bucket == _edges.Length ? 1 : _edges[bucket];

    private sealed class Bucket(int initial, int arms, int window)
    {
        public int Initial { get; } = initial;

        public int Current { get; set; } = initial;

        public SampleWindow[] Arms { get; } = Enumerable.Range(0, arms).Select(_ => new SampleWindow(window)).ToArray();
    }
}
