using Diffusion.Engine.Llm;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;
using Diffusion.Engine.Tests.Llm;
using Diffusion.Engine.Tests.Scheduling;
using Diffusion.Engine.Text;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.Engine.Tests.Engine;

public sealed class EngineLoopTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private sealed class Stack : IAsyncDisposable
    {
        private readonly bool _ownsPool;

        public Stack(int blocks = 64, ILlmRunner? llm = null, TimeProvider? time = null, SchedulerOptions? options = null, BlockPool? pool = null)
        {
            LlmConfig config = TinyLlmFixture.Model.Config;
            _ownsPool = pool is null;
            Pool = pool ?? TinyLlmFixture.NewPool(blocks);
            Kv = new KvCacheManager(Pool, new KvCacheOptions());
            Codec = LlmTextCodec.Load(TinyLlmFixture.TokenizerDirectory, config);
            Scheduler = new IterationScheduler(
                (options ?? new SchedulerOptions()) with { MaxModelLength = config.MaxPositions, EosTokenId = config.EosTokenId },
                Kv, time, Codec);
            Loop = new EngineLoop(Scheduler, llm ?? new LlmRunner(TinyLlmFixture.Model, Pool), Diffusion);
            Loop.Start();
        }

        public BlockPool Pool { get; }

        public KvCacheManager Kv { get; }

        public LlmTextCodec Codec { get; }

        public IterationScheduler Scheduler { get; }

        public CountingDiffusionRunner Diffusion { get; } = new();

        public EngineLoop Loop { get; }

        public async ValueTask DisposeAsync()
        {
            await Loop.DisposeAsync();
            if (_ownsPool)
            {
                Pool.Dispose();
            }
        }
    }

    private static async Task<List<TokenEvent>> CollectAsync(LlmCompletionHandle handle)
    {
        var tokens = new List<TokenEvent>();
        await foreach (TokenEvent t in handle.StreamTokensAsync())
        {
            tokens.Add(t);
        }

        return tokens;
    }

    private static async Task EventuallyAsync(Func<bool> condition)
    {
        DateTime until = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "condition not reached in time");
            await Task.Delay(10);
        }
    }

    [Fact]
    public async Task Llm_requests_and_diffusion_jobs_run_together_and_stream_their_results()
    {
        await using var stack = new Stack();
        int[][] prompts = LlmRunnerTests.Prompts(3);
        var handles = prompts.Select(p => stack.Loop.SubmitCompletion(p, new SamplingParams { MaxTokens = 12, IgnoreEos = true, Temperature = 0.8f, Seed = 3 })).ToList();
        var jobs = Enumerable.Range(0, 2).Select(i => stack.Loop.SubmitDiffusion(new DiffusionJobSpec
        {
            TotalSteps = 10,
            StartStep = i * 5,
            Shape = new LatentShape(4, 4, 4),
            InitialLatent = Enumerable.Repeat(0.5f, 64).ToArray(),
        })).ToList();
        List<Task<List<TokenEvent>>> streams = handles.Select(CollectAsync).ToList();

        LlmCompletion[] completions = await Task.WhenAll(handles.Select(h => h.Completion)).WaitAsync(Timeout);
        DiffusionJobResult[] results = await Task.WhenAll(jobs.Select(j => j.Completion)).WaitAsync(Timeout);
        for (int i = 0; i < handles.Count; i++)
        {
            List<TokenEvent> streamed = await streams[i];
            Assert.Equal(completions[i].Samples[0].Tokens, streamed.Select(t => t.TokenId));
            Assert.Equal(completions[i].Samples[0].Text, string.Concat(streamed.Select(t => t.TextDelta)));
            Assert.Equal(12, completions[i].Samples[0].Tokens.Count);
        }

        Assert.All(results[0].FinalLatent, v => Assert.Equal(10.5f, v));
        Assert.All(results[1].FinalLatent, v => Assert.Equal(5.5f, v));

        EngineStats stats = stack.Loop.GetStats();
        Assert.Equal(36, stats.Scheduler.GeneratedTokens);
        Assert.Equal(15, stats.Scheduler.DiffusionSteps);
        Assert.InRange(stats.FractionOutsideMath, 0.0, 1.0);
        Assert.True(stats.ModelMathTime > TimeSpan.Zero);
        Assert.True(stats.Scheduler.MeanConcurrency > 1);
        Assert.Equal(0, stats.Memory.UsedBlocks);
    }

    [Fact]
    public async Task Cancelling_a_streaming_request_ends_it_and_frees_its_blocks()
    {
        using BlockPool pool = TinyLlmFixture.NewPool(64);
        var gated = new GatedLlmRunner(new LlmRunner(TinyLlmFixture.Model, pool));
        await using var stack = new Stack(llm: gated, pool: pool);
        using var cancel = new CancellationTokenSource();
        LlmCompletionHandle handle = stack.Loop.SubmitCompletion(LlmRunnerTests.Prompts(1)[0],
            new SamplingParams { MaxTokens = 80, IgnoreEos = true }, cancellationToken: cancel.Token);
        gated.Gate.Release(3);
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (TokenEvent _ in handle.StreamTokensAsync())
            {
                if (++seen == 3)
                {
                    cancel.Cancel();
                    gated.Gate.Release(100); // at most one more iteration runs before the boundary
                }
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handle.Completion.WaitAsync(Timeout));
        Assert.True(handle.Completion.IsCanceled);
        Assert.InRange(seen, 3, 4);
        await EventuallyAsync(() => stack.Loop.GetStats().Memory.UsedBlocks == 0 && stack.Loop.GetStats().Scheduler.Aborted == 1);
    }

    [Fact]
    public async Task A_failing_runner_fails_the_requests_of_that_iteration_and_the_engine_goes_on()
    {
        var runner = new CountingLlmRunner(vocabulary: 600)
        {
            FailWhen = batch => batch.Sequences.Any(s => s.TokenIds.Contains(13)) ? new InvalidOperationException("bad token") : null,
        };
        await using var stack = new Stack(llm: runner);
        LlmCompletionHandle doomed = stack.Loop.SubmitCompletion([10, 11], new SamplingParams { MaxTokens = 5 });
        EngineRequestException error = await Assert.ThrowsAsync<EngineRequestException>(() => doomed.Completion.WaitAsync(Timeout));
        Assert.Equal(FinishReason.Failed, error.Reason);
        Assert.IsType<InvalidOperationException>(error.InnerException);

        LlmCompletionHandle fine = stack.Loop.SubmitCompletion([100, 101], new SamplingParams { MaxTokens = 3 });
        LlmCompletion completion = await fine.Completion.WaitAsync(Timeout);
        Assert.Equal([102, 103, 104], completion.Samples[0].Tokens);
        await EventuallyAsync(() => stack.Loop.GetStats().Memory.UsedBlocks == 0);
    }

    [Fact]
    public async Task Requests_that_cannot_fit_or_are_past_their_deadline_fail_with_the_reason()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-01-01T00:00:00Z"));
        await using var stack = new Stack(blocks: 2, time: clock);
        LlmCompletionHandle tooLarge = stack.Loop.SubmitCompletion(LlmRunnerTests.Prompts(1)[0], new SamplingParams());
        EngineRequestException rejected = await Assert.ThrowsAsync<EngineRequestException>(() => tooLarge.Completion.WaitAsync(Timeout));
        Assert.Equal(FinishReason.Rejected, rejected.Reason);

        LlmCompletionHandle late = stack.Loop.SubmitCompletion([1, 2, 3], new SamplingParams(),
            new RequestOptions { Deadline = clock.GetUtcNow().AddSeconds(-1) });
        EngineRequestException expired = await Assert.ThrowsAsync<EngineRequestException>(() => late.Completion.WaitAsync(Timeout));
        Assert.Equal(FinishReason.DeadlineExceeded, expired.Reason);
    }

    [Fact]
    public async Task Invalid_submissions_throw_at_once_and_stopping_cancels_what_is_pending()
    {
        await using var stack = new Stack(options: new SchedulerOptions { MaxTokensPerIteration = 1 });
        Assert.Throws<ArgumentException>(() => stack.Loop.SubmitCompletion(Enumerable.Range(1, 200).ToArray(), new SamplingParams()));
        Assert.Throws<ArgumentException>(() => stack.Loop.SubmitCompletion([1], new SamplingParams { Temperature = -1 }));

        LlmCompletionHandle pending = stack.Loop.SubmitCompletion(LlmRunnerTests.Prompts(1)[0], new SamplingParams { MaxTokens = 100, IgnoreEos = true });
        await stack.Loop.StopAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.Completion.WaitAsync(Timeout));
        Assert.Throws<ObjectDisposedException>(() => stack.Loop.SubmitCompletion([1, 2], new SamplingParams()));
    }
}
