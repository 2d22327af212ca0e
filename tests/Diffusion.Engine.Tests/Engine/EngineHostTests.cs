using Diffusion.Engine.Scheduling;
using Diffusion.Engine.Tests.Llm;
using Diffusion.Engine.Tests.Scheduling;

namespace Diffusion.Engine.Tests.Engine;

public sealed class EngineHostTests
{
    [Fact]
    public async Task A_host_with_the_llm_expands_a_text_prompt_and_runs_diffusion_in_the_same_pool()
    {
        var options = new EngineOptions { MemoryBudgetBytes = 2L << 20 };
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
}
