using Diffusion.Inference.Pipeline;
using Diffusion.Inference.Scheduling;
using SkiaSharp;

namespace Diffusion.Inference.Tests.Pipeline;

/// <summary>End-to-end behaviour of the pipeline on a model folder; each concrete class names its folder.</summary>
public abstract class PipelineConformanceTests
{
    private DiffusionPipeline Pipeline => LoadedModels.Pipeline(ModelFolderAttribute.Of(GetType()).FullPath);

    /// <summary>Few steps keep the suite fast; the behaviour tested does not depend on the count.</summary>
    private const int Steps = 8;

    private GenerationRequest Request(string prompt = "a red apple on a wooden table", ulong seed = 7) => new()
    {
        Prompt = prompt,
        Seed = seed,
        Steps = Steps,
        GuidanceScale = 5f,
    };

    [ModelFact]
    public void Generates_a_decodable_png_of_the_native_size()
    {
        var result = Pipeline.Generate(Request());
        var png = Assert.Single(result.Png);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        using var bitmap = SKBitmap.Decode(png);
        Assert.NotNull(bitmap);
        Assert.Equal(Pipeline.Models.ImageWidth, bitmap.Width);
        Assert.Equal(Pipeline.Models.ImageHeight, bitmap.Height);
        Assert.All(result.FinalLatents, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(Steps, result.Denoise.StepsRun);
    }

    [ModelFact]
    public void Same_seed_gives_the_same_png_bytes()
    {
        var a = Pipeline.Generate(Request());
        var b = Pipeline.Generate(Request());
        Assert.Equal(a.Png[0], b.Png[0]);
        Assert.Equal(a.FinalLatents, b.FinalLatents);
    }

    [ModelFact]
    public void Output_reuse_skips_unet_calls_and_stays_near_the_full_run()
    {
        var full = Pipeline.Generate(Request() with { Steps = 16 });
        var reused = Pipeline.Generate(Request() with { Steps = 16, OutputReuseThreshold = 0.5f });
        var off = Pipeline.Generate(Request() with { Steps = 16, OutputReuseThreshold = 0f });

        Assert.Equal(full.FinalLatents, off.FinalLatents);            // off is exactly the plain run
        Assert.Equal(0, full.Denoise.ReusedSteps);
        Assert.InRange(reused.Denoise.ReusedSteps, 1, 14);             // the first and last steps always call the UNet
        Assert.Equal(16, reused.Denoise.StepsRun);
        Assert.NotEqual(full.FinalLatents, reused.FinalLatents);
        var distance = full.FinalLatents.Zip(reused.FinalLatents, (a, b) => Math.Abs(a - b)).Average();
        var scale = full.FinalLatents.Average(Math.Abs);
        Assert.True(distance < scale, $"reuse moved the latent by {distance} on average, against a mean magnitude of {scale}");
    }

    [ModelFact]
    public void Different_seeds_give_different_images()
    {
        var a = Pipeline.Generate(Request(seed: 1));
        var b = Pipeline.Generate(Request(seed: 2));
        Assert.NotEqual(a.FinalLatents, b.FinalLatents);
        Assert.NotEqual(a.Png[0], b.Png[0]);
    }

    [ModelFact]
    public void Negative_prompt_changes_the_output()
    {
        var plain = Pipeline.Generate(Request());
        var negative = Pipeline.Generate(Request() with { NegativePrompt = "blurry, dark" });
        Assert.NotEqual(plain.FinalLatents, negative.FinalLatents);
        Assert.NotEqual(plain.NegativePrompt.Tokens.Ids, negative.NegativePrompt.Tokens.Ids);
    }

    [ModelFact]
    public void Several_images_in_one_request_match_single_requests_with_consecutive_seeds()
    {
        var both = Pipeline.Generate(Request(seed: 40) with { ImageCount = 2 });
        var second = Pipeline.Generate(Request(seed: 41));
        Assert.Equal(2, both.Png.Count);
        var length = Pipeline.LatentLength;
        var diff = both.FinalLatents.AsSpan(length, length).ToArray().Zip(second.FinalLatents, (x, y) => Math.Abs(x - y)).Max();
        // kernels may block a batch of 4 differently from a batch of 2, so allow float noise
        var scale = Math.Max(1f, second.FinalLatents.Max(Math.Abs));
        Assert.True(diff <= 1e-4f * scale, $"batched image differs from the single run by {diff} (scale {scale})");
    }

    [ModelFact]
    public void Resuming_at_K_from_the_captured_latent_reproduces_the_full_run()
    {
        foreach (var kind in new[] { SchedulerKind.Ddim, SchedulerKind.Euler })
        {
            const int k = 3;
            LatentCapture? captured = null;
            var full = Pipeline.Generate(Request() with { Scheduler = kind, CaptureSteps = new HashSet<int> { k } },
                new GenerationHooks { LatentCaptured = c => captured = c });
            Assert.NotNull(captured);
            Assert.Equal(k, captured.Step);

            var resumed = Pipeline.Generate(Request() with { Scheduler = kind, StartStep = k, StartLatent = captured.Latents });
            Assert.Equal(Steps - k, resumed.Denoise.StepsRun);
            var diff = full.FinalLatents.Zip(resumed.FinalLatents, (x, y) => Math.Abs(x - y)).Max();
            Assert.True(diff <= 1e-5f, $"{kind}: resumed run differs by {diff}");
        }
    }

    [ModelFact]
    public void Every_scheduler_produces_an_image()
    {
        foreach (var kind in Enum.GetValues<SchedulerKind>())
        {
            var result = Pipeline.Generate(Request() with { Scheduler = kind });
            Assert.All(result.FinalLatents, v => Assert.True(float.IsFinite(v), $"{kind} diverged"));
        }
    }

    [ModelFact]
    public async Task Concurrent_requests_give_the_same_results_as_sequential_ones()
    {
        var requests = Enumerable.Range(0, 4).Select(i => Request(seed: (ulong)(100 + i)) with
        {
            Scheduler = (SchedulerKind)(i % 3),
        }).ToArray();
        var sequential = requests.Select(r => Pipeline.Generate(r).FinalLatents).ToArray();
        var concurrent = await Task.WhenAll(requests.Select(r => Pipeline.GenerateAsync(r)));
        for (var i = 0; i < requests.Length; i++)
        {
            Assert.Equal(sequential[i], concurrent[i].FinalLatents);
        }
    }

    [ModelFact]
    public void Progress_is_reported_after_every_step()
    {
        var seen = new List<StepProgress>();
        Pipeline.Generate(Request(), new GenerationHooks { StepCompleted = seen.Add });
        Assert.Equal(Enumerable.Range(1, Steps), seen.Select(p => p.Step));
        Assert.All(seen, p => Assert.Equal(Steps, p.TotalSteps));
        Assert.True(seen.Zip(seen.Skip(1), (a, b) => b.Elapsed >= a.Elapsed).All(x => x));
    }

    [ModelFact]
    public async Task Cancellation_stops_the_run()
    {
        using var cts = new CancellationTokenSource();
        var hooks = new GenerationHooks { StepCompleted = p => { if (p.Step == 2) cts.Cancel(); } };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Pipeline.GenerateAsync(Request(), hooks, cts.Token));
    }

    [ModelFact]
    public void Unsupported_size_is_rejected_clearly()
    {
        var ex = Assert.Throws<ArgumentException>(() => Pipeline.Generate(Request() with { Width = 123, Height = 77 }));
        Assert.Contains("not supported", ex.Message);
        Assert.Contains($"{Pipeline.Models.ImageWidth}x{Pipeline.Models.ImageHeight}", ex.Message);
    }

    [ModelFact]
    public void Bad_requests_are_rejected_before_any_work()
    {
        Assert.Throws<ArgumentException>(() => Pipeline.Generate(Request() with { Steps = 0 }));
        Assert.Throws<ArgumentException>(() => Pipeline.Generate(Request() with { StartStep = 3 }));
        Assert.Throws<ArgumentException>(() => Pipeline.Generate(Request() with { GuidanceScale = float.NaN }));
        Assert.Throws<ArgumentException>(() => Pipeline.Generate(Request() with { InitialNoise = new float[3] }));
    }

    [ModelFact]
    public void Prompt_embedding_has_conditioning_of_the_unet_shape()
    {
        var e = Pipeline.EncodePrompt("a cat");
        Assert.Equal(Pipeline.Models.Unet.HiddenLength, e.HiddenStates.Length);
        Assert.True(e.TextEmbeds is not null || e.Pooled is not null, "no CLIP embedding for the cache");
    }
}

[ModelFolder("tests/fixtures/sd15-conformance/model")]
public sealed class Sd15FixturePipelineTests : PipelineConformanceTests;

[ModelFolder("models")]
public sealed class OwnModelsPipelineTests : PipelineConformanceTests;
