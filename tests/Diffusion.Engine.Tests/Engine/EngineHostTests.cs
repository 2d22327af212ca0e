using System.Text.Json;
using Diffusion.Engine.Scheduling;
using Diffusion.Engine.Tests.Denoising;
using Diffusion.Engine.Tests.Llm;
using Diffusion.Engine.Tests.Scheduling;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Engine.Tests.Engine;

public sealed class EngineHostTests
{
    [Fact]
    public async Task A_host_with_the_llm_expands_a_text_prompt_and_runs_diffusion_in_the_same_pool()
    {
        var options = new EngineOptions { MemoryBudgetBytes = 2L << 20, BlockSize = 16 };
        await using EngineHost host = EngineHost.Start(options, TinyLlmFixture.LlmDirectory, TinyLlmFixture.TokenizerDirectory, new CountingDiffusionRunner());
        Assert.Equal(4, host.Pool.Planes); // K and V of 2 layers
        Assert.Equal(128, host.Pool.NumBlocks); // 2 MiB / (4 planes × 16 tokens × 64 floats × 4 bytes)

        LlmCompletionHandle completion = host.Loop.SubmitCompletion(host.Codec!.EncodePrompt("a red fox in snow"), new SamplingParams { MaxTokens = 24, IgnoreEos = true });
        DiffusionJobHandle job = host.Loop.SubmitDiffusion(new DiffusionJobSpec { TotalSteps = 4, Shape = new LatentShape(4, 16, 16) });
        LlmCompletion result = await completion.Completion.WaitAsync(TimeSpan.FromSeconds(30));
        int[] expected = TinyLlmFixture.Ints(TinyLlmFixture.Reference.GetProperty("continuations")[0].GetProperty("greedy"));
        Assert.Equal(expected, result.Samples[0].Tokens);
        Assert.All((await job.Completion.WaitAsync(TimeSpan.FromSeconds(30))).FinalLatent, v => Assert.Equal(4f, v));
    }

    [Fact]
    public async Task A_diffusion_only_host_has_no_llm()
    {
        await using EngineHost host = EngineHost.Start(new EngineOptions { MemoryBudgetBytes = 1 << 20 }, null, null, new CountingDiffusionRunner());
        Assert.Null(host.Codec);
        Assert.Equal(64, host.Pool.NumBlocks);
        Assert.Throws<InvalidOperationException>(() => host.Loop.SubmitCompletion([1], new SamplingParams()));
        DiffusionJobHandle job = host.Loop.SubmitDiffusion(new DiffusionJobSpec { TotalSteps = 2, Shape = new LatentShape(4, 16, 16) });
        Assert.Equal(2, (await job.Completion.WaitAsync(TimeSpan.FromSeconds(30))).TotalSteps);
        Assert.Throws<ArgumentException>(() => EngineHost.Start(new EngineOptions { MemoryBudgetBytes = 0 }, null, null, new CountingDiffusionRunner()));
    }

    [Fact]
    public async Task ExpandPromptAsync_formats_with_the_instruction_and_returns_the_generated_text()
    {
        await using EngineHost host = EngineHost.Start(new EngineOptions { MemoryBudgetBytes = 2L << 20 }, TinyLlmFixture.LlmDirectory,
            TinyLlmFixture.TokenizerDirectory, new CountingDiffusionRunner());
        JsonElement reference = TinyLlmFixture.Reference;
        string loose = reference.GetProperty("prompts")[0].GetProperty("loose").GetString()!;
        int[] greedy = TinyLlmFixture.Ints(reference.GetProperty("continuations")[0].GetProperty("greedy"));

        // The reference continuation was produced from instruction + " " + loose + " =>".
        Assert.Equal(TinyLlmFixture.Ints(reference.GetProperty("prompts")[0].GetProperty("ids")), host.Codec!.EncodePrompt(loose));
        string text = await host.ExpandPromptAsync(loose, new SamplingParams { MaxTokens = greedy.Length, IgnoreEos = true }).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(host.Codec.Decode(greedy).Trim(), text);

        // Default sampling: greedy, stopping at end-of-text or the model's context.
        string again = await host.ExpandPromptAsync(loose).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(again.StartsWith(text, StringComparison.Ordinal) || text.StartsWith(again, StringComparison.Ordinal),
            $"greedy runs of different lengths disagree: '{text}' / '{again}'");
        await Assert.ThrowsAsync<ArgumentException>(() => host.ExpandPromptAsync("  "));
    }

    [Fact]
    public async Task StartForModels_wires_the_unet_runner_and_refuses_expansion_without_an_llm()
    {
        DiffusionPipeline pipeline = UnetFixtures.Pipeline(UnetFixtures.PerSampleTimestep);
        await using EngineHost host = EngineHost.StartForModels(new EngineOptions(), pipeline, Path.Combine(UnetFixtures.RepoRoot, "tests", "fixtures", "sd15-conformance", "model"));
        Assert.Null(host.Codec);
        Assert.NotNull(host.Images);
        GenerationRequest request = new() { Prompt = "a lamp", Seed = 4, Steps = 4, GuidanceScale = 3f };
        GenerationResult result = await host.Images.GenerateAsync(request).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(pipeline.Generate(request).FinalLatents.Length, result.FinalLatents.Length);
        Assert.Equal(4, host.Loop.GetStats().Scheduler.DiffusionSteps);
        await Assert.ThrowsAsync<InvalidOperationException>(() => host.ExpandPromptAsync("a lamp"));
    }
}
