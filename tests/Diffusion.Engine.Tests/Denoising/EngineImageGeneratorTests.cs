using Diffusion.Engine.Denoising;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;

namespace Diffusion.Engine.Tests.Denoising;

/// <summary>
/// A request through the engine (UNet step runner, iteration scheduler, pool-held latents) must give the
/// pipeline's result for the same request, alone and when batched with other jobs at other steps.
/// </summary>
public sealed class EngineImageGeneratorTests
{
    private const float Tolerance = 1e-4f;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static TheoryData<string> Folders => UnetFixtures.Available();

    private static GenerationRequest Request(string prompt = "a red apple on a wooden table", ulong seed = 7, int steps = 8) => new()
    {
        Prompt = prompt,
        Seed = seed,
        Steps = steps,
        GuidanceScale = 5f,
    };

    private sealed class Engine : IAsyncDisposable
    {
        public Engine(string folder, EngineOptions? options = null)
        {
            Pipeline = UnetFixtures.Pipeline(folder);
            Probe = new StepRunnerProbe(new UnetDiffusionStepRunner(Pipeline.Models.Unet));
            Host = EngineHost.Start(options ?? new EngineOptions(), null, null, Probe);
            Images = new EngineImageGenerator(Host.Loop, Pipeline);
        }

        public DiffusionPipeline Pipeline { get; }

        public StepRunnerProbe Probe { get; }

        public EngineHost Host { get; }

        public EngineImageGenerator Images { get; }

        /// <summary>Submits at once (the prompts are encoded here, so the job is queued when this returns).</summary>
        public Task<GenerationResult> Submit(GenerationRequest request, GenerationHooks? hooks = null, CancellationToken cancellationToken = default)
        {
            IReadOnlyList<PromptEmbedding> e = Pipeline.EncodePrompts(request.Prompt, request.NegativePrompt);
            return Images.GenerateAsync(request, e[0], e[1], hooks, null, cancellationToken);
        }

        public ValueTask DisposeAsync() => Host.DisposeAsync();
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = expected.Zip(actual, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(worst <= Tolerance, $"{what}: the engine's latent differs from the pipeline's by {worst}");
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task A_job_alone_gives_the_pipelines_final_latent(string folder)
    {
        await using var engine = new Engine(folder);
        GenerationRequest request = Request();
        GenerationResult expected = engine.Pipeline.Generate(request);
        GenerationResult actual = await engine.Images.GenerateAsync(request).WaitAsync(Timeout);

        AssertClose(expected.FinalLatents, actual.FinalLatents, "alone");
        Assert.Equal(request.Steps, actual.Denoise.StepsRun);
        Assert.Equal(engine.Pipeline.Models.ImageWidth, actual.Images.Width);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, actual.Png[0][..4]);
        Assert.True(actual.Denoise.OrtTime > TimeSpan.Zero);
        Assert.Equal(0, engine.Host.Pool.UsedBlocks);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Jobs_batched_at_different_steps_each_give_their_own_pipeline_result(string folder)
    {
        await using var engine = new Engine(folder);
        DiffusionPipeline pipeline = engine.Pipeline;

        // A cached latent for a resumed job: the one entering step 3 of a 10-step Euler run.
        LatentCapture? cached = null;
        GenerationRequest source = Request("a cat on a sofa", seed: 21, steps: 10) with { Scheduler = SchedulerKind.Euler, CaptureSteps = new HashSet<int> { 3 } };
        pipeline.Generate(source, new GenerationHooks { LatentCaptured = c => cached = c });
        Assert.NotNull(cached);

        GenerationRequest[] requests =
        [
            Request(),
            Request("a blue car at night", seed: 11) with { NegativePrompt = "blurry" },
            source with { Prompt = "a cat on a red sofa", CaptureSteps = null, StartStep = 3, StartLatent = cached.Latents },
            Request("two birds", seed: 5, steps: 6) with { GuidanceScale = 1f, Scheduler = SchedulerKind.DpmSolverPlusPlus2M },
            Request("a house by a lake", seed: 9) with { GuidanceScale = 9f, Scheduler = SchedulerKind.Euler },
        ];
        GenerationResult[] expected = requests.Select(r => pipeline.Generate(r)).ToArray();

        // The first job runs three steps alone, then the others join it mid-run.
        engine.Probe.Gated = true;
        Task<GenerationResult> first = engine.Submit(requests[0]);
        engine.Probe.Gate.Release(3);
        while (engine.Probe.Batches.Count < 3)
        {
            await Task.Delay(5);
        }

        Task<GenerationResult>[] others = requests.Skip(1).Select(r => engine.Submit(r)).ToArray();
        engine.Probe.Open();
        GenerationResult[] actual = await Task.WhenAll([first, .. others]).WaitAsync(Timeout);

        for (int i = 0; i < requests.Length; i++)
        {
            AssertClose(expected[i].FinalLatents, actual[i].FinalLatents, $"request {i}");
            Assert.Equal(requests[i].Steps - requests[i].StartStep, actual[i].Denoise.StepsRun);
        }

        // Some iteration held all five jobs, at different steps.
        Assert.Contains(engine.Probe.Batches, b => b.Count == 5 && b.Select(s => s.Step).Distinct().Count() >= 2);
        Assert.Equal(0, engine.Host.Pool.UsedBlocks);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Jobs_with_output_reuse_batched_with_others_give_the_pipelines_result(string folder)
    {
        await using var engine = new Engine(folder);
        GenerationRequest[] requests =
        [
            Request(steps: 12) with { OutputReuseThreshold = 2f },
            Request("a blue car at night", seed: 11, steps: 12),
            Request("a house by a lake", seed: 9, steps: 12) with { OutputReuseThreshold = 0.3f, GuidanceScale = 1f },
        ];
        GenerationResult[] expected = requests.Select(r => engine.Pipeline.Generate(r)).ToArray();

        engine.Probe.Gated = true;
        Task<GenerationResult>[] runs = requests.Select(r => engine.Submit(r)).ToArray();
        engine.Probe.Open();
        GenerationResult[] actual = await Task.WhenAll(runs).WaitAsync(Timeout);

        for (int i = 0; i < requests.Length; i++)
        {
            AssertClose(expected[i].FinalLatents, actual[i].FinalLatents, $"request {i}");
            Assert.Equal(expected[i].Denoise.ReusedSteps, actual[i].Denoise.ReusedSteps);
        }

        Assert.True(actual[0].Denoise.ReusedSteps > 0, "a threshold of 2 reused no step");
        Assert.Equal(0, actual[1].Denoise.ReusedSteps);
        Assert.Contains(engine.Probe.Batches, b => b.Count == 3);   // they shared iterations
        Assert.Equal(0, engine.Host.Pool.UsedBlocks);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Several_images_of_one_request_match_the_pipelines_batch(string folder)
    {
        await using var engine = new Engine(folder);
        GenerationRequest request = Request(seed: 40) with { ImageCount = 2 };
        GenerationResult expected = engine.Pipeline.Generate(request);
        GenerationResult actual = await engine.Images.GenerateAsync(request).WaitAsync(Timeout);

        // The pipeline's own batched-vs-single check allows float noise of this size too.
        float scale = Math.Max(1f, expected.FinalLatents.Max(Math.Abs));
        float worst = expected.FinalLatents.Zip(actual.FinalLatents, (x, y) => Math.Abs(x - y)).Max();
        Assert.True(worst <= Tolerance * scale, $"differs by {worst}");
        Assert.Equal(2, actual.Png.Count);
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Progress_and_cache_captures_match_the_pipelines(string folder)
    {
        await using var engine = new Engine(folder);
        GenerationRequest request = Request() with { ImageCount = 2, CaptureSteps = new HashSet<int> { 2, 5 } };
        var expectedCaptures = new List<LatentCapture>();
        engine.Pipeline.Generate(request, new GenerationHooks { LatentCaptured = expectedCaptures.Add });

        var steps = new List<int>();
        var captures = new List<LatentCapture>();
        await engine.Images.GenerateAsync(request, new GenerationHooks
        {
            StepCompleted = p =>
            {
                lock (steps)
                {
                    steps.Add(p.Step);
                }
            },
            LatentCaptured = c =>
            {
                lock (captures)
                {
                    captures.Add(c);
                }
            },
        }).WaitAsync(Timeout);

        Assert.Equal(Enumerable.Range(1, request.Steps), steps);
        Assert.Equal(expectedCaptures.Select(c => (c.Step, c.Timestep)), captures.OrderBy(c => c.Step).Select(c => (c.Step, c.Timestep)));
        foreach ((LatentCapture e, LatentCapture a) in expectedCaptures.Zip(captures.OrderBy(c => c.Step)))
        {
            Assert.Equal(e.Latents.Length, a.Latents.Length);
            Assert.True(e.Latents.Zip(a.Latents, (x, y) => Math.Abs(x - y)).Max() <= Tolerance * 10, $"capture at step {e.Step}");
        }
    }

    [Fact]
    public async Task A_resumed_job_reports_progress_from_its_start_step()
    {
        await using var engine = new Engine(UnetFixtures.PerSampleTimestep);
        LatentCapture? cached = null;
        engine.Pipeline.Generate(Request() with { CaptureSteps = new HashSet<int> { 5 } }, new GenerationHooks { LatentCaptured = c => cached = c });
        var steps = new List<int>();
        GenerationRequest resumed = Request() with { StartStep = 5, StartLatent = cached!.Latents };
        GenerationResult result = await engine.Images.GenerateAsync(resumed, new GenerationHooks { StepCompleted = p => steps.Add(p.Step) }).WaitAsync(Timeout);

        Assert.Equal([6, 7, 8], steps);
        Assert.Equal(3, result.Denoise.StepsRun);
        AssertClose(engine.Pipeline.Generate(resumed).FinalLatents, result.FinalLatents, "resumed");
    }

    [Fact]
    public async Task A_cancelled_request_ends_and_frees_its_blocks_while_the_others_finish()
    {
        await using var engine = new Engine(UnetFixtures.PerSampleTimestep);
        engine.Probe.Gated = true;
        using var cancel = new CancellationTokenSource();
        Task<GenerationResult> doomed = engine.Submit(Request(steps: 20), cancellationToken: cancel.Token);
        Task<GenerationResult> survivor = engine.Submit(Request("a green boat", seed: 3));
        engine.Probe.Gate.Release(2);
        while (engine.Probe.Batches.Count < 2)
        {
            await Task.Delay(5);
        }

        await cancel.CancelAsync();
        engine.Probe.Open();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => doomed.WaitAsync(Timeout));
        AssertClose(engine.Pipeline.Generate(Request("a green boat", seed: 3)).FinalLatents, (await survivor.WaitAsync(Timeout)).FinalLatents, "survivor");
        Assert.True(engine.Probe.Batches.Count < 20, "the cancelled job should not have run all its steps");
        Assert.Equal(0, engine.Host.Pool.UsedBlocks);
    }

    [Fact]
    public async Task Jobs_wait_for_memory_and_still_give_the_pipelines_results()
    {
        // Room for one guided job's latents at a time: the others queue, none is harmed.
        int latentBytes = UnetFixtures.Pipeline(UnetFixtures.PerSampleTimestep).LatentLength * sizeof(float) * 2;
        var options = new EngineOptions { MemoryBudgetBytes = latentBytes, BlockBytesWithoutLlm = latentBytes };
        await using var engine = new Engine(UnetFixtures.PerSampleTimestep, options);
        GenerationRequest[] requests = [Request(seed: 1), Request("a dog", seed: 2), Request("a tree", seed: 3)];
        GenerationResult[] actual = await Task.WhenAll(requests.Select(r => engine.Submit(r))).WaitAsync(Timeout);
        for (int i = 0; i < requests.Length; i++)
        {
            AssertClose(engine.Pipeline.Generate(requests[i]).FinalLatents, actual[i].FinalLatents, $"request {i}");
        }

        Assert.All(engine.Probe.Batches, b => Assert.Single(b));
    }

    [Fact]
    public async Task The_runner_refuses_jobs_it_cannot_run_with_a_clear_error()
    {
        await using var engine = new Engine(UnetFixtures.PerSampleTimestep);
        LatentShape shape = engine.Images.Shape;
        DiffusionJobHandle stateless = engine.Host.Loop.SubmitDiffusion(new DiffusionJobSpec { TotalSteps = 4, Shape = shape });
        EngineRequestException e1 = await Assert.ThrowsAsync<EngineRequestException>(() => stateless.Completion.WaitAsync(Timeout));
        Assert.Contains(nameof(DenoisingJobState), e1.Message);

        DiffusionJobHandle wrongShape = engine.Host.Loop.SubmitDiffusion(new DiffusionJobSpec
        {
            TotalSteps = 4,
            Shape = new LatentShape(shape.Channels, shape.Height * 2, shape.Width * 2),
        });
        EngineRequestException e2 = await Assert.ThrowsAsync<EngineRequestException>(() => wrongShape.Completion.WaitAsync(Timeout));
        Assert.Contains("this UNet takes", e2.Message);

        await Assert.ThrowsAsync<ArgumentException>(() => engine.Images.GenerateAsync(Request() with { Width = 999 }));
    }
}
