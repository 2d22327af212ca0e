using Diffusion.Cache.Policy;
using Diffusion.CacheStore;
using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Bench;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Tests.Bench;

/// <summary>The replay loop with the accounting executor over a real local store: visibility, hits and timing rules.</summary>
public sealed class CacheReplayTests : IDisposable
{
    private const int Steps = 10;
    private readonly TempDirectory _directory = new();

    private static TraceRequest Request(int index, string prompt, int minutes) =>
        new(index, TimeSpan.FromMinutes(minutes), "user-1", prompt, index, TraceRequestKind.New);

    private static (Dictionary<string, float[]> Embeddings, OffRunArtifacts Off) Artifacts(IReadOnlyList<TraceRequest> trace, Dictionary<string, float[]> embeddings)
    {
        var off = new OffRunArtifacts();
        foreach (var request in trace)
        {
            foreach (var step in CachePoints.Nirvana.StepsFor(Steps))
            {
                off.AddLatent(request.Index, step, Synthetic.Latent(request.Index, step), Synthetic.LatentLength);
            }
        }
        return (embeddings, off);
    }

    private async Task<ReplayResult> ReplayAsync(IReadOnlyList<TraceRequest> trace, Dictionary<string, float[]> embeddings, int concurrency)
    {
        var (vectors, off) = Artifacts(trace, embeddings);
        var clock = new ReplayClock(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var cache = await ApproximateCache.OpenLocalAsync(Synthetic.CacheOptions(_directory.Combine(Guid.NewGuid().ToString("N"))),
            Synthetic.StoreOptions(_directory.Combine(Guid.NewGuid().ToString("N"))), clock);
        var replay = new CacheReplay(new AccountingReplayExecutor(vectors, off), cache, clock,
            new ReplaySetup(Synthetic.Facts(steps: Steps), concurrency, PerUserTenants: false));
        return await replay.RunAsync(trace, measuredFrom: 1, "test", null, default);
    }

    [Fact]
    public async Task A_repeat_after_its_source_finished_is_a_hit_and_one_while_it_runs_is_not()
    {
        var embeddings = new Dictionary<string, float[]> { ["a"] = Synthetic.Base, ["b"] = Synthetic.AtSimilarity(0.0, axis: 2) };
        // one slot: "a" finishes before its repeat starts
        var sequential = await ReplayAsync([Request(0, "a", 0), Request(1, "b", 1), Request(2, "a", 2)], embeddings, concurrency: 1);
        Assert.Equal([0, 0, 5], sequential.Records.Select(r => r.StartStep));   // K 25 of 50 → 5 of 10
        Assert.Equal(0, sequential.Records[2].SourceIndex);
        Assert.Equal(1.0, sequential.Records[2].Similarity!.Value, 4);
        Assert.Equal([false, true, true], sequential.Records.Select(r => r.Measured));

        // three slots: the repeat joins while "a" is still in flight, so nothing is stored yet
        var concurrent = await ReplayAsync([Request(0, "a", 0), Request(1, "b", 1), Request(2, "a", 2)], embeddings, concurrency: 3);
        Assert.All(concurrent.Records, r => Assert.Equal(0, r.StartStep));
    }

    [Fact]
    public async Task A_hit_frees_its_slot_sooner_and_requests_in_flight_do_not_see_each_other()
    {
        var embeddings = new Dictionary<string, float[]>
        {
            ["a"] = Synthetic.Base, ["x"] = Synthetic.AtSimilarity(0.0, axis: 2), ["c"] = Synthetic.AtSimilarity(0.0, axis: 3),
        };
        // two slots: a and x run together; then a's repeat (a hit, 5 steps) beside c (10 steps); when the hit
        // leaves, the next c joins while the first c is at step 5: the latents it captured so far (steps 1–4) are
        // already stored, so it starts at 4; the last c joins after the first c finished and starts at 5
        var trace = new[] { Request(0, "a", 0), Request(1, "x", 1), Request(2, "a", 2), Request(3, "c", 3), Request(4, "c", 4), Request(5, "c", 5) };
        var result = await ReplayAsync(trace, embeddings, concurrency: 2);
        Assert.Equal([0, 0, 5, 0, 4, 5], result.Records.Select(r => r.StartStep));
        Assert.Equal(3, result.Records[4].SourceIndex);
        Assert.Equal(3, result.Records[5].SourceIndex);
    }

    [Fact]
    public async Task Every_request_gets_a_record_and_the_store_stays_within_its_budget()
    {
        var embeddings = new Dictionary<string, float[]>();
        var trace = new List<TraceRequest>();
        for (var i = 0; i < 40; i++)
        {
            var prompt = $"p{i % 12}";
            embeddings[prompt] = Synthetic.AtSimilarity(0.2, axis: 1 + i % 12);
            trace.Add(Request(i, prompt, i));
        }
        var (vectors, off) = Artifacts(trace, embeddings);
        var clock = new ReplayClock(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var budget = 10 * LatentFileFormat.FileLength(Synthetic.LatentLength, 3, TenantId.Default);
        await using var cache = await ApproximateCache.OpenLocalAsync(Synthetic.CacheOptions(_directory.Path),
            Synthetic.StoreOptions(_directory.Path, budget), clock);
        var result = await new CacheReplay(new AccountingReplayExecutor(vectors, off), cache, clock,
            new ReplaySetup(Synthetic.Facts(steps: Steps), 3, PerUserTenants: false)).RunAsync(trace, 8, "test", null, default);
        Assert.Equal(Enumerable.Range(0, 40), result.Records.Select(r => r.Index));
        Assert.True(result.MaxUsedBytes <= budget);
        Assert.True(result.Evictions > 0);
        Assert.Contains(result.Records, r => r.Hit);
        // different prompts are far apart (cosine 0.04): every hit comes from an earlier run of the same prompt
        Assert.All(result.Records.Where(r => r.Hit), r =>
        {
            Assert.True(r.SourceIndex < r.Index);
            Assert.Equal(trace[r.Index].Prompt, trace[r.SourceIndex!.Value].Prompt);
        });
    }

    [Fact]
    public async Task A_replay_played_in_segments_decides_as_in_one_go_and_its_pauses_are_in_no_time()
    {
        var embeddings = new Dictionary<string, float[]>
        {
            ["a"] = Synthetic.Base, ["x"] = Synthetic.AtSimilarity(0.0, axis: 2), ["c"] = Synthetic.AtSimilarity(0.0, axis: 3),
        };
        var trace = new[] { Request(0, "a", 0), Request(1, "x", 1), Request(2, "a", 2), Request(3, "c", 3), Request(4, "c", 4), Request(5, "c", 5) };
        var whole = await ReplayAsync(trace, embeddings, concurrency: 1);

        var (vectors, off) = Artifacts(trace, embeddings);
        var clock = new ReplayClock(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var cache = await ApproximateCache.OpenLocalAsync(Synthetic.CacheOptions(_directory.Combine("segments-index")),
            Synthetic.StoreOptions(_directory.Combine("segments-store")), clock);
        var replay = new CacheReplay(new AccountingReplayExecutor(vectors, off), cache, clock,
            new ReplaySetup(Synthetic.Facts(steps: Steps), 1, PerUserTenants: false));
        replay.Begin(trace, measuredFrom: 1, "test", null);
        await replay.RunUntilAsync(2, default);
        Assert.Throws<InvalidOperationException>(() => replay.Result());   // the trace is not played to its end yet
        // two pauses of 2 s: counted, they alone would make 4 s; the replay itself takes well under a second, or about one
        // on a loaded machine
        var pause = TimeSpan.FromSeconds(2);
        await Task.Delay(pause);
        await replay.RunUntilAsync(4, default);
        await Task.Delay(pause);
        await replay.RunUntilAsync(100, default);
        var segmented = replay.Result();

        Assert.Equal(whole.Records.Select(r => (r.Index, r.StartStep, r.SourceIndex)), segmented.Records.Select(r => (r.Index, r.StartStep, r.SourceIndex)));
        Assert.True(segmented.Records[^1].FinishedAt < 2 * pause, $"the replay's timeline counts its pauses: {segmented.Records[^1].FinishedAt}");
        Assert.True(segmented.Elapsed < 2 * pause, $"the replay's elapsed time counts its pauses: {segmented.Elapsed}");
    }

    public void Dispose() => _directory.Dispose();
}
