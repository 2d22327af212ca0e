using Diffusion.Inference.Pipeline;
using Diffusion.Lab.Serving;

namespace Diffusion.Lab.Tests.Serving;

/// <summary>
/// The lab's measurements denoise through the serving engine: jobs that join at different steps, resume from a
/// cached latent or capture one give what the pipeline gives for each alone, and a hold stops the steps.
/// </summary>
public sealed class ServingEngineTests(FixtureModel fixture) : IClassFixture<FixtureModel>
{
    private const float Tolerance = 1e-4f;

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(1f, expected.Max(Math.Abs));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * scale, $"[{i}] {expected[i]} vs {actual[i]}");
        }
    }

    private async Task<float[]> DenoiseAsync(ServingEngine engine, GenerationRequest request, Action<LatentCapture>? onCapture = null)
    {
        var embeddings = fixture.Pipeline.EncodePrompts(request.Prompt, request.NegativePrompt);
        var (latent, _) = await engine.DenoiseAsync(request, embeddings[0], embeddings[1], onCapture, CancellationToken.None);
        return latent;
    }

    [Fact]
    public async Task Jobs_batched_together_match_the_pipeline_alone()
    {
        var a = new GenerationRequest { Prompt = "a red car", Seed = 1, Steps = 8, GuidanceScale = 5f, CaptureSteps = new HashSet<int> { 3 } };
        var b = new GenerationRequest { Prompt = "a dog in the snow", Seed = 2, Steps = 8, GuidanceScale = 1f };
        var capturedByPipeline = new List<LatentCapture>();
        var expectedA = fixture.Pipeline.Generate(a, new GenerationHooks { LatentCaptured = capturedByPipeline.Add });
        var expectedB = fixture.Pipeline.Generate(b);
        // c resumes from a's latent entering step 3, under another prompt
        var c = new GenerationRequest { Prompt = "a blue car", Seed = 1, Steps = 8, GuidanceScale = 5f, StartStep = 3, StartLatent = capturedByPipeline[0].Latents };
        var expectedC = fixture.Pipeline.Generate(c);

        await using var engine = ServingEngine.Start(fixture.Pipeline, maxBatch: 3);
        var captured = new List<LatentCapture>();
        var jobs = await Task.WhenAll(DenoiseAsync(engine, a, captured.Add), DenoiseAsync(engine, b), DenoiseAsync(engine, c));

        AssertClose(expectedA.FinalLatents, jobs[0]);
        AssertClose(expectedB.FinalLatents, jobs[1]);
        AssertClose(expectedC.FinalLatents, jobs[2]);
        var capture = Assert.Single(captured);
        Assert.Equal(3, capture.Step);
        AssertClose(capturedByPipeline[0].Latents, capture.Latents);
        var counters = engine.Stats.Scheduler;
        Assert.Equal(8 + 8 + 5, counters.DiffusionBatchJobs);         // every step ran once, through the engine's loop
        Assert.True(counters.DiffusionIterations < 8 + 8 + 5, $"{counters.DiffusionIterations} iterations: the jobs were never batched");
    }

    [Fact]
    public async Task No_step_runs_while_the_engine_is_held()
    {
        await using var engine = ServingEngine.Start(fixture.Pipeline, maxBatch: 2);
        var request = new GenerationRequest { Prompt = "a red car", Seed = 1, Steps = 4, GuidanceScale = 1f };
        Task<float[]> job;
        using (await engine.HoldAsync(CancellationToken.None))
        {
            job = DenoiseAsync(engine, request);
            // four steps of the fixture model take milliseconds; held, none may run
            await Task.Delay(300);
            Assert.False(job.IsCompleted);
            Assert.Equal(0, engine.Stats.Scheduler.DiffusionBatchJobs);
        }
        AssertClose(fixture.Pipeline.Generate(request).FinalLatents, await job.WaitAsync(TimeSpan.FromSeconds(30)));
    }
}
