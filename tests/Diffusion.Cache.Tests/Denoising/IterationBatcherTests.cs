using Diffusion.Cache.Denoising;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Cache.Tests.Denoising;

/// <summary>Jobs batched at different steps give what the pipeline gives for each alone (repository fixture model).</summary>
public sealed class IterationBatcherTests(FixtureModel fixture) : IClassFixture<FixtureModel>
{
    private const float Tolerance = 1e-4f;

    private DenoiseJob Job(GenerationRequest request, Action<LatentCapture>? onCapture = null)
    {
        var embeddings = fixture.Pipeline.EncodePrompts(request.Prompt, request.NegativePrompt);
        return DenoiseJobs.ForRequest(fixture.Pipeline, request, embeddings[0], embeddings[1], onCapture, request.Prompt);
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = Math.Max(1f, expected.Max(Math.Abs));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * scale, $"[{i}] {expected[i]} vs {actual[i]}");
        }
    }

    [Fact]
    public void Jobs_that_join_at_different_steps_and_leave_early_match_the_pipeline_alone()
    {
        var a = new GenerationRequest { Prompt = "a red car", Seed = 1, Steps = 8, GuidanceScale = 5f, CaptureSteps = new HashSet<int> { 3 } };
        var b = new GenerationRequest { Prompt = "a dog in the snow", Seed = 2, Steps = 8, GuidanceScale = 1f };
        var expectedA = fixture.Pipeline.Generate(a);
        var expectedB = fixture.Pipeline.Generate(b);
        var captured = new List<LatentCapture>();
        var capturedByPipeline = new List<LatentCapture>();
        fixture.Pipeline.Generate(a, new GenerationHooks { LatentCaptured = capturedByPipeline.Add });
        // c resumes from a's latent entering step 3, under another prompt
        var c = new GenerationRequest { Prompt = "a blue car", Seed = 1, Steps = 8, GuidanceScale = 5f, StartStep = 3, StartLatent = capturedByPipeline[0].Latents };
        var expectedC = fixture.Pipeline.Generate(c);

        var batcher = new IterationBatcher(fixture.Models.Unet, maxRows: 6);
        var jobA = Job(a, captured.Add);
        batcher.Add(jobA);
        batcher.Step();
        batcher.Step();
        var jobB = Job(b);
        batcher.Add(jobB);                       // joins while a is at step 2
        var jobC = Job(c);
        Assert.True(batcher.Fits(jobC));
        batcher.Add(jobC);
        Assert.Equal(5, batcher.RowsInUse);      // guided a and c take two rows each
        var finished = new List<DenoiseJob>();
        while (batcher.Active.Count > 0)
        {
            finished.AddRange(batcher.Step());
        }

        Assert.Equal([jobC, jobA, jobB], finished); // c ran 5 steps, a 8 (2 ahead of b), b 8
        Assert.Equal(8, jobA.StepsRun);
        Assert.Equal(5, jobC.StepsRun);
        AssertClose(expectedA.FinalLatents, jobA.Latent);
        AssertClose(expectedB.FinalLatents, jobB.Latent);
        AssertClose(expectedC.FinalLatents, jobC.Latent);
        var capture = Assert.Single(captured);
        Assert.Equal(3, capture.Step);
        AssertClose(capturedByPipeline[0].Latents, capture.Latents);
    }

    [Fact]
    public void A_full_batch_refuses_another_job()
    {
        var batcher = new IterationBatcher(fixture.Models.Unet, maxRows: 2);
        batcher.Add(Job(new GenerationRequest { Prompt = "x", Steps = 4, GuidanceScale = 2f }));
        var extra = Job(new GenerationRequest { Prompt = "y", Steps = 4, GuidanceScale = 1f });
        Assert.False(batcher.Fits(extra));
        Assert.Throws<InvalidOperationException>(() => batcher.Add(extra));
    }
}

/// <summary>The same on our models, whose UNet takes one float timestep per sample (one call for mixed steps).</summary>
public sealed class IterationBatcherOwnModelTests(OwnModel own) : IClassFixture<OwnModel>
{
    [OwnModelsFact]
    public void Jobs_at_different_steps_in_one_call_match_the_pipeline_alone()
    {
        var pipeline = own.Pipeline!;
        var a = new GenerationRequest { Prompt = "a large cat in the center on a blue background", Seed = 3, Steps = 6, GuidanceScale = 4f };
        var b = new GenerationRequest { Prompt = "two small dogs on a red background", Seed = 4, Steps = 6, GuidanceScale = 4f };
        var expectedA = pipeline.Generate(a).FinalLatents;
        var expectedB = pipeline.Generate(b).FinalLatents;
        var batcher = new IterationBatcher(pipeline.Models.Unet, maxRows: 4);
        DenoiseJob Job(GenerationRequest r)
        {
            var e = pipeline.EncodePrompts(r.Prompt, r.NegativePrompt);
            return DenoiseJobs.ForRequest(pipeline, r, e[0], e[1]);
        }
        var jobA = Job(a);
        batcher.Add(jobA);
        batcher.Step();
        batcher.Step();
        var jobB = Job(b);
        batcher.Add(jobB);
        while (batcher.Active.Count > 0)
        {
            batcher.Step();
        }
        foreach (var (expected, actual) in new[] { (expectedA, jobA.Latent), (expectedB, jobB.Latent) })
        {
            var scale = Math.Max(1f, expected.Max(Math.Abs));
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * scale, $"[{i}] {expected[i]} vs {actual[i]}");
            }
        }
    }
}
