namespace Diffusion.Cache.Adaptive;

/// <summary>What the adaptive table has learned: its buckets, the expected full-run score, and its counters.</summary>
/// <param name="BaselineRuns">Recent controls (all buckets) whose mean CLIP score stands in for a bucket without enough of its own.</param>
public sealed record AdaptiveKSnapshot(
    IReadOnlyList<AdaptiveBucketSnapshot> Buckets,
    int BaselineRuns,
    double? BaselineScore,
    double Tolerance,
    long Observations,
    long Explorations,
    long Controls,
    long Promotions,
    long Demotions);

/// <summary>One similarity bucket (Low, High]: the calibrated K it started from, the K it uses now, and its arms.</summary>
public sealed record AdaptiveBucketSnapshot(double Low, double High, int CalibratedK, int K, IReadOnlyList<AdaptiveArmSnapshot> Arms);

/// <summary>One K of a bucket: images scored, their mean CLIP score, the mean drop against the expected score, and the rule's verdict.</summary>
public sealed record AdaptiveArmSnapshot(int K, int Count, double? MeanScore, double? MeanDrop, string Verdict);
