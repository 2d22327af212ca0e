using Diffusion.Lab.Bench;
using Diffusion.Lab.Evaluation;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Evaluation;

/// <summary>
/// The replay loop with a final-image cache: a hit is answered with the stored image without reaching the executor,
/// skips every step, and names its source; generated images are offered to the cache and to <see cref="ReplaySetup.OnImage"/>.
/// </summary>
public sealed class ImageReplayTests
{
    private const int Steps = 6;

    private static TraceRequest Request(int index, string prompt) => new(index, TimeSpan.FromMinutes(index), "user-1", prompt, index, TraceRequestKind.New);

    /// <summary>A stand-in for the UNet: each job takes every step from its start, one per iteration; its image encodes the request index.</summary>
    private sealed class CountingExecutor(IReadOnlyDictionary<string, float[]> embeddings) : IReplayExecutor
    {
        private readonly List<(ReplayJob Job, int Step)> _active = [];

        public List<int> Started { get; } = [];

        public int ActiveCount => _active.Count;

        public (float[] Embedding, TimeSpan Time) Embed(TraceRequest request) => (embeddings[request.Prompt], TimeSpan.Zero);

        public void Start(ReplayJob job, CancellationToken cancellationToken)
        {
            Started.Add(job.Request.Index);
            _active.Add((job, job.StartStep));
        }

        public Task<IDisposable> HoldAsync(CancellationToken cancellationToken) => Task.FromResult<IDisposable>(NoHold.Instance);

        public Task<IReadOnlyList<ReplayJob>> AdvanceAsync(CancellationToken cancellationToken)
        {
            for (var i = 0; i < _active.Count; i++)
            {
                _active[i] = (_active[i].Job, _active[i].Step + 1);
            }
            var done = _active.Where(a => a.Step >= a.Job.Steps).Select(a => a.Job).ToArray();
            _active.RemoveAll(a => a.Step >= a.Job.Steps);
            foreach (var job in done)
            {
                job.Image = Enumerable.Repeat(job.Request.Index / 10f, 12).ToArray();
            }
            return Task.FromResult<IReadOnlyList<ReplayJob>>(done);
        }

        public IReadOnlyList<FinishedRun> Finish(IReadOnlyList<ReplayJob> finished) =>
            finished.Select(j => new FinishedRun(null, new Dictionary<string, bool> { ["image_of"] = Math.Abs(j.Image![0] - j.Request.Index / 10f) < 0.01 }, double.NaN)).ToArray();
    }

    private static async Task<(ReplayResult Result, CountingExecutor Executor, Dictionary<int, float> Images)> ReplayAsync(IFinalImageCache cache,
        IReadOnlyList<TraceRequest> trace, Dictionary<string, float[]> embeddings, int concurrency)
    {
        var executor = new CountingExecutor(embeddings);
        var images = new Dictionary<int, float>();
        var setup = new ReplaySetup(Synthetic.Facts(steps: Steps), concurrency, PerUserTenants: false, OnImage: (index, image) => images[index] = image[0]);
        var result = await new CacheReplay(executor, null, new ReplayClock(CacheBench.TraceStart), setup, cache).RunAsync(trace, 1, "test", null, default);
        return (result, executor, images);
    }

    [Fact]
    public async Task An_exact_repeat_is_served_the_stored_image_without_a_run()
    {
        var embeddings = new Dictionary<string, float[]> { ["a"] = Synthetic.Base, ["b"] = Synthetic.AtSimilarity(0.0, axis: 2) };
        var (result, executor, images) = await ReplayAsync(new ExactImageCache(new FinalImageStore(1 << 20)),
            [Request(0, "a"), Request(1, "b"), Request(2, "a"), Request(3, "b")], embeddings, concurrency: 1);

        Assert.Equal([0, 1], executor.Started);                               // the repeats never reached the executor
        Assert.Equal([0, 0, Steps, Steps], result.Records.Select(r => r.StartStep));
        Assert.Equal([null, null, 0, 1], result.Records.Select(r => r.SourceIndex));
        Assert.Equal(0.0f, images[2], 2);                                     // request 2 got request 0's image
        Assert.Equal(0.1f, images[3], 2);
        Assert.False(result.Records[2].Checks["image_of"]);                   // scored as its own request: the image is another's
        Assert.Equal(1.0, BenchFigures.StepsSaved(result.Records.Where(r => r.Index >= 2)));
        Assert.All(result.Records, r => Assert.True(r.FinishedAt >= r.JoinedAt));
    }

    [Fact]
    public async Task Gptcache_serves_a_similar_prompt_and_a_request_in_flight_is_not_yet_stored()
    {
        var embeddings = new Dictionary<string, float[]>
        {
            ["a"] = Synthetic.Base, ["a2"] = Synthetic.AtSimilarity(0.97, axis: 3), ["far"] = Synthetic.AtSimilarity(0.5, axis: 4),
        };
        var trace = new[] { Request(0, "a"), Request(1, "a2"), Request(2, "far"), Request(3, "a2") };
        var (sequential, _, _) = await ReplayAsync(new NearestImageCache(new FinalImageStore(1 << 20), 0.95), trace, embeddings, concurrency: 1);
        Assert.Equal([0, Steps, 0, Steps], sequential.Records.Select(r => r.StartStep));
        Assert.Equal(0.97, sequential.Records[1].Similarity!.Value, 3);
        Assert.Equal(0, sequential.Records[3].SourceIndex);                   // a2 was a hit, so only a's image answers it

        // all in flight together: nothing is stored before the first run ends
        var (concurrent, executor, _) = await ReplayAsync(new NearestImageCache(new FinalImageStore(1 << 20), 0.95), trace, embeddings, concurrency: 4);
        Assert.All(concurrent.Records, r => Assert.Equal(0, r.StartStep));
        Assert.Equal(4, executor.Started.Count);
    }
}
