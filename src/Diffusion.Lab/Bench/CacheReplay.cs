using System.Diagnostics;
using Diffusion.Cache;
using Diffusion.Cache.Admission;
using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Bench;

/// <summary>How a replay builds its requests.</summary>
/// <param name="Facts">Model, size, latent shape, scheduler, steps and guidance; prompt and seed come from each request.</param>
/// <param name="Concurrency">Requests in flight at once.</param>
/// <param name="PerUserTenants">Each trace user its own tenant; otherwise all share the default tenant.</param>
/// <param name="ExtraCaptureSteps">Steps captured from every run besides what the cache admits (the cache-off replay keeps them for the accounting replays).</param>
/// <param name="OnCapture">Receives (request index, capture) for the extra steps.</param>
/// <param name="OnFinished">Receives (request index, finished run).</param>
/// <param name="OnEmbedded">Receives each request's retrieval embedding.</param>
/// <param name="OnImage">Receives (request index, decoded image [3,H,W] in [-1,1]) before scoring frees the pixels; real executors only.</param>
public sealed record ReplaySetup(
    CacheRequestFacts Facts,
    int Concurrency,
    bool PerUserTenants,
    IReadOnlySet<int>? ExtraCaptureSteps = null,
    Action<int, LatentCapture>? OnCapture = null,
    Action<int, FinishedRun>? OnFinished = null,
    Action<TraceRequest, float[]>? OnEmbedded = null,
    Action<int, float[]>? OnImage = null);

/// <summary>A replay's records and what the store did.</summary>
public sealed record ReplayResult(IReadOnlyList<ReplayRecord> Records, long MaxUsedBytes, long Evictions, TimeSpan Elapsed);

/// <summary>
/// Replays a trace in order through an executor, with the cache or without (null). Requests join as
/// others finish, while fewer than the concurrency are in flight (embed, look up, start at K);
/// finished requests are timed, then scored and their image embeddings handed to the cache, and the
/// store is flushed so the next lookups see them — that bookkeeping is excluded from every latency.
/// The clock follows the trace's arrival times, so ages and grace periods are trace time.
/// With a final-image cache (<paramref name="images"/>), a hit is answered with the stored image at the next
/// iteration boundary without a UNet step, and every generated image is offered to that cache.
/// A replay may also be played in segments (<see cref="Begin"/>, <see cref="RunUntilAsync"/>, <see cref="Result"/>), so that
/// two replays alternate on one machine and its drift falls on both alike.
/// </summary>
public sealed class CacheReplay(IReplayExecutor executor, ApproximateCache? cache, ReplayClock clock, ReplaySetup setup,
    IFinalImageCache? images = null)
{
    private readonly Dictionary<long, int> _sourceIndex = [];
    private readonly List<ReplayJob> _served = [];
    private readonly Stopwatch _watch = new();
    private ReplayRecord?[] _records = [];
    private IReadOnlyList<TraceRequest> _trace = [];
    private int _measuredFrom;
    private string _label = "";
    private TextWriter? _progress;
    private long _origin;
    private long? _pausedAt;
    private TimeSpan _excluded = TimeSpan.Zero;
    private TimeSpan _lastReport = TimeSpan.Zero;
    private long _maxUsed;
    private int _next;

    /// <summary>The whole trace in one go.</summary>
    public async Task<ReplayResult> RunAsync(IReadOnlyList<TraceRequest> trace, int measuredFrom, string label, TextWriter? progress,
        CancellationToken cancellationToken)
    {
        Begin(trace, measuredFrom, label, progress);
        await RunUntilAsync(trace.Count, cancellationToken).ConfigureAwait(false);
        return Result();
    }

    /// <summary>Prepares a replay that <see cref="RunUntilAsync"/> then plays in segments (to interleave it with another).</summary>
    public void Begin(IReadOnlyList<TraceRequest> trace, int measuredFrom, string label, TextWriter? progress)
    {
        if (_watch.IsRunning || _next > 0)
        {
            throw new InvalidOperationException("this replay has already begun.");
        }
        _trace = trace;
        _measuredFrom = measuredFrom;
        _label = label;
        _progress = progress;
        _records = new ReplayRecord?[trace.Count];
        _origin = Stopwatch.GetTimestamp();
        _pausedAt = _origin;
    }

    /// <summary>
    /// Lets the requests before index <paramref name="end"/> join and finishes every one of them, then pauses. The time
    /// paused until the next segment is excluded like bookkeeping, so the replay's timeline is as if it never stopped.
    /// </summary>
    public async Task RunUntilAsync(int end, CancellationToken cancellationToken)
    {
        end = Math.Min(end, _trace.Count);
        if (_pausedAt is { } paused)
        {
            _excluded += Stopwatch.GetElapsedTime(paused);
            _pausedAt = null;
        }
        _watch.Start();
        while (_next < end || executor.ActiveCount > 0 || _served.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (executor.ActiveCount + _served.Count < setup.Concurrency && _next < end)
            {
                var job = await JoinAsync(_trace[_next++], _excluded, _sourceIndex, cancellationToken).ConfigureAwait(false);
                if (job.ImageHit is not null)
                {
                    _served.Add(job);
                }
                else
                {
                    executor.Start(job, cancellationToken);
                }
            }
            IReadOnlyList<ReplayJob> finished;
            if (_served.Count > 0)
            {
                // a stored image answers at once: it does not wait for the UNet iteration of the others
                finished = _served.ToArray();
                _served.Clear();
            }
            else
            {
                finished = await executor.AdvanceAsync(cancellationToken).ConfigureAwait(false);
            }
            if (finished.Count == 0)
            {
                continue;
            }
            await RecordAsync(finished, cancellationToken).ConfigureAwait(false);
        }
        _watch.Stop();
        _pausedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>The records of every request; the trace must have been played to its end.</summary>
    public ReplayResult Result()
    {
        if (_records.Any(r => r is null))
        {
            throw new InvalidOperationException($"{_label}: the replay has not reached the end of its trace.");
        }
        var evictions = (cache?.Store.Stats.Evictions ?? 0) + (images?.Evictions ?? 0);
        return new ReplayResult(_records.Select(r => r!).ToArray(), _maxUsed, evictions, _watch.Elapsed);
    }

    /// <summary>Times the finished jobs, then (excluded from every latency) scores them, hands them to the cache and flushes it.</summary>
    private async Task RecordAsync(IReadOnlyList<ReplayJob> finished, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        var latencies = finished.Select(j => Stopwatch.GetElapsedTime(j.Joined, now) - (_excluded - j.ExcludedAtJoin)).ToArray();
        var finishedAt = Stopwatch.GetElapsedTime(_origin, now) - _excluded;

        // the engine is held while scoring and flushing, so no step runs in the time excluded from latencies
        using var hold = await executor.HoldAsync(cancellationToken).ConfigureAwait(false);
        var bookkeeping = Stopwatch.StartNew();
        foreach (var job in finished)
        {
            if (job.Image is not { } image)
            {
                continue;
            }
            setup.OnImage?.Invoke(job.Request.Index, image);
            if (images is not null && job.ImageHit is null)
            {
                images.Admit(job.Request, FactsOf(job.Request), job.Embedding, image);
            }
        }
        var runs = executor.Finish(finished);
        for (var i = 0; i < finished.Count; i++)
        {
            var job = finished[i];
            var run = runs[i];
            if (run.ImageEmbedding is { } imageEmbedding)
            {
                job.Admission?.SetImageEmbedding(imageEmbedding);
            }
            if (job.Lookup is { } decided)
            {
                cache?.RecordOutcome(decided, run.ClipScore);
            }
            cache?.Metrics.RecordReusedSteps(job.ReusedSteps);
            setup.OnFinished?.Invoke(job.Request.Index, run);
            var lookup = job.Lookup;
            int? source = lookup?.Source is { } key && _sourceIndex.TryGetValue(key.Id.Value, out var s) ? s : job.ImageHit?.SourceIndex;
            _records[job.Request.Index] = new ReplayRecord(job.Request.Index, job.Request.Kind, job.Request.Index >= _measuredFrom, job.Steps,
                job.StartStep, lookup?.Similarity ?? job.ImageHit?.Similarity, source, latencies[i], job.EmbedTime,
                lookup?.SearchTime ?? job.ImageHit?.SearchTime ?? TimeSpan.Zero, lookup?.LoadTime ?? TimeSpan.Zero, run.Checks, run.ClipScore,
                Stopwatch.GetElapsedTime(_origin, job.Joined) - job.ExcludedAtJoin, finishedAt, job.ReusedSteps);
        }
        if (cache is not null)
        {
            await cache.FlushAsync(cancellationToken).ConfigureAwait(false);
            _maxUsed = Math.Max(_maxUsed, cache.Store.UsedBytes);
        }
        _excluded += bookkeeping.Elapsed;

        var ended = _next == _trace.Count && executor.ActiveCount == 0;
        if (_progress is not null && (_watch.Elapsed - _lastReport > TimeSpan.FromSeconds(15) || ended))
        {
            _lastReport = _watch.Elapsed;
            var done = _records.Count(r => r is not null);
            var eta = done == 0 ? 0 : _watch.Elapsed.TotalMinutes * (_trace.Count - done) / done;
            var hits = _records.Count(r => r is { Hit: true });
            _progress.WriteLine($"{_label}: {done}/{_trace.Count} requests, {hits} hits, {_watch.Elapsed.TotalMinutes:0.0} min, about {eta:0.0} min left");
        }
        if (images is not null)
        {
            _maxUsed = Math.Max(_maxUsed, images.UsedBytes);
        }
    }

    private CacheRequestFacts FactsOf(TraceRequest request) => setup.Facts with { Prompt = request.Prompt, Seed = unchecked((ulong)request.Seed) };

    private async Task<ReplayJob> JoinAsync(TraceRequest request, TimeSpan excluded, Dictionary<long, int> sourceIndex, CancellationToken cancellationToken)
    {
        clock.Set(request.At);
        var joined = Stopwatch.GetTimestamp();
        var (embedding, embedTime) = executor.Embed(request);
        setup.OnEmbedded?.Invoke(request, embedding);
        var facts = FactsOf(request);
        var tenant = setup.PerUserTenants ? CacheTenants.FromUser(request.User) : TenantId.Default;
        CacheLookup? lookup = null;
        CacheAdmission? admission = null;
        var imageHit = images?.Find(request, facts, embedding);
        if (imageHit is not null)
        {
            return new ReplayJob
            {
                Request = request,
                Steps = facts.Steps,
                Embedding = embedding,
                StartStep = facts.Steps,
                ImageHit = imageHit,
                Image = imageHit.Image,
                EmbedTime = embedTime,
                Joined = joined,
                ExcludedAtJoin = excluded,
            };
        }
        if (cache is not null)
        {
            lookup = await cache.LookupAsync(embedding, facts, tenant, CacheMode.Auto, cancellationToken).ConfigureAwait(false);
            admission = cache.BeginAdmission(embedding, facts, tenant, CacheMode.Auto, lookup);
            if (admission is not null)
            {
                sourceIndex[admission.Key.Id.Value] = request.Index;
            }
        }
        var captures = admission?.CaptureSteps;
        if (setup.ExtraCaptureSteps is { } extra)
        {
            captures = captures is null ? extra : captures.Concat(extra).ToHashSet();
        }
        return new ReplayJob
        {
            Request = request,
            Steps = facts.Steps,
            Embedding = embedding,
            StartStep = lookup is { IsHit: true } ? lookup.K : 0,
            StartLatent = lookup is { IsHit: true } ? lookup.StartLatent : null,
            ResumeNoiseStrength = lookup is { IsHit: true } ? HitVariation.Decide(facts, lookup, cache!.Options.VariationStrength).Strength : 0f,
            CaptureSteps = captures,
            OnCapture = capture =>
            {
                admission?.OnLatentCaptured(capture);
                if (setup.ExtraCaptureSteps?.Contains(capture.Step) == true)
                {
                    setup.OnCapture?.Invoke(request.Index, capture);
                }
            },
            Lookup = lookup,
            Admission = admission,
            EmbedTime = embedTime,
            Joined = joined,
            ExcludedAtJoin = excluded,
        };
    }
}
