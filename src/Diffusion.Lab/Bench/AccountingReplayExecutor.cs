using Diffusion.Inference.Pipeline;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Bench;

/// <summary>
/// A replay without the UNet, for comparing eviction policies on equal terms: each iteration advances
/// every in-flight request one step, so requests finish and become visible in lock-step order. That is the
/// serving engine's order with one request in flight; with several, the engine lets a newcomer join while the
/// others keep stepping, and a few decisions may differ (docs/cache-bench.md). The latents handed to the cache and the final image embeddings
/// are the cache-off replay's for the same request (the store's decisions depend on keys, sizes, hits and
/// times, not on latent values; prompt→image retrieval then sees the full run's image for a hit run).
/// </summary>
public sealed class AccountingReplayExecutor(IReadOnlyDictionary<string, float[]> embeddings, OffRunArtifacts off) : IReplayExecutor
{
    private readonly List<ReplayJob> _active = [];

    public int ActiveCount => _active.Count;

    public (float[] Embedding, TimeSpan Time) Embed(TraceRequest request) =>
        embeddings.TryGetValue(request.Prompt, out var embedding)
            ? (embedding, TimeSpan.Zero)
            : throw new InvalidOperationException($"no embedding for request {request.Index}'s prompt.");

    public void Start(ReplayJob job, CancellationToken cancellationToken)
    {
        job.SimulatedStep = job.StartStep;
        _active.Add(job);
    }

    public Task<IReadOnlyList<ReplayJob>> AdvanceAsync(CancellationToken cancellationToken) => Task.FromResult(Step());

    /// <summary>Nothing runs between iterations: the replay's bookkeeping overlaps no work.</summary>
    public Task<IDisposable> HoldAsync(CancellationToken cancellationToken) => Task.FromResult<IDisposable>(NoHold.Instance);

    private IReadOnlyList<ReplayJob> Step()
    {
        var finished = new List<ReplayJob>();
        foreach (var job in _active)
        {
            if (job.CaptureSteps?.Contains(job.SimulatedStep) == true && job.OnCapture is { } capture)
            {
                capture(new LatentCapture(job.SimulatedStep, job.Steps, 0f, off.Latent(job.Request.Index, job.SimulatedStep)));
            }
            job.SimulatedStep++;
            if (job.SimulatedStep >= job.Steps)
            {
                finished.Add(job);
            }
        }
        _active.RemoveAll(j => j.SimulatedStep >= j.Steps);
        return finished;
    }

    public IReadOnlyList<FinishedRun> Finish(IReadOnlyList<ReplayJob> finished) =>
        finished.Select(j => new FinishedRun(off.ImageEmbedding(j.Request.Index), new Dictionary<string, bool>(), double.NaN)).ToArray();
}

/// <summary>The hold of an executor with nothing running between iterations.</summary>
internal sealed class NoHold : IDisposable
{
    public static readonly NoHold Instance = new();

    public void Dispose()
    {
    }
}

/// <summary>What the cache-off replay leaves for the accounting replays: each request's latents at the cache steps (fp16) and image embedding.</summary>
public sealed class OffRunArtifacts
{
    private readonly Dictionary<(int Index, int Step), Half[]> _latents = [];
    private readonly Dictionary<int, float[]> _imageEmbeddings = [];

    public void AddLatent(int index, int step, float[] latent, int length) =>
        _latents[(index, step)] = latent.Take(length).Select(v => (Half)v).ToArray();

    public void AddImageEmbedding(int index, float[]? embedding)
    {
        if (embedding is not null)
        {
            _imageEmbeddings[index] = embedding;
        }
    }

    public float[] Latent(int index, int step) => _latents.TryGetValue((index, step), out var values)
        ? values.Select(v => (float)v).ToArray()
        : throw new InvalidOperationException($"the cache-off replay kept no latent of request {index} at step {step}.");

    public float[]? ImageEmbedding(int index) => _imageEmbeddings.GetValueOrDefault(index);
}
