using Diffusion.Cache;
using Diffusion.Cache.Admission;
using Diffusion.Inference.Pipeline;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Bench;

/// <summary>One trace request in flight during a replay: where it starts, what it captures, and its timing.</summary>
public sealed class ReplayJob
{
    public required TraceRequest Request { get; init; }

    public required int Steps { get; init; }

    public required float[] Embedding { get; init; }

    public int StartStep { get; init; }

    public float[]? StartLatent { get; init; }

    /// <summary>How far a hit leaves its source's path for this request's seed (as served: <see cref="Policy.HitVariation"/>).</summary>
    public float ResumeNoiseStrength { get; init; }

    public IReadOnlySet<int>? CaptureSteps { get; init; }

    public Action<LatentCapture>? OnCapture { get; init; }

    public CacheLookup? Lookup { get; init; }

    public CacheAdmission? Admission { get; init; }

    /// <summary>A final-image cache's answer: the job skips every step and never reaches the executor.</summary>
    public FinalImageHit? ImageHit { get; init; }

    public TimeSpan EmbedTime { get; init; }

    /// <summary>Stopwatch timestamp when the request joined.</summary>
    internal long Joined { get; init; }

    /// <summary>The replay's excluded bookkeeping time when the request joined.</summary>
    internal TimeSpan ExcludedAtJoin { get; init; }

    /// <summary>The decoded image ([3,H,W] in [-1,1]) once a real executor finished the job.</summary>
    public float[]? Image { get; set; }

    /// <summary>Steps that reused the UNet's last output instead of calling it, once a real executor finished the job.</summary>
    public int ReusedSteps { get; set; }

    /// <summary>The next step of an accounting executor's simulated run.</summary>
    internal int SimulatedStep { get; set; }
}

/// <summary>After a job finished: its raw CLIP image embedding (for the cache), judge checks and CLIP score (for the figures).</summary>
public sealed record FinishedRun(float[]? ImageEmbedding, IReadOnlyDictionary<string, bool> Checks, double ClipScore);

/// <summary>
/// Runs a replay's denoising: <see cref="EngineReplayExecutor"/> on the real UNet through the serving engine,
/// <see cref="AccountingReplayExecutor"/> without it, advancing steps and handing over an earlier run's
/// latents, to compare eviction policies on the same cache decisions cheaply.
/// </summary>
public interface IReplayExecutor
{
    int ActiveCount { get; }

    /// <summary>The request's unit CLIP text embedding for retrieval, and how long encoding took.</summary>
    (float[] Embedding, TimeSpan Time) Embed(TraceRequest request);

    void Start(ReplayJob job, CancellationToken cancellationToken);

    /// <summary>
    /// Lets the active jobs run until at least one finishes (the engine) or for one iteration (accounting);
    /// returns the jobs that finished, decoded for a real executor.
    /// </summary>
    Task<IReadOnlyList<ReplayJob>> AdvanceAsync(CancellationToken cancellationToken);

    /// <summary>Holds denoising back while the replay does bookkeeping it excludes from latencies.</summary>
    Task<IDisposable> HoldAsync(CancellationToken cancellationToken);

    /// <summary>Outside the timed path: image embeddings and scores of finished jobs, in order.</summary>
    IReadOnlyList<FinishedRun> Finish(IReadOnlyList<ReplayJob> finished);
}
