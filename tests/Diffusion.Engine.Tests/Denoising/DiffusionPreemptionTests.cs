using Diffusion.Engine.Denoising;
using Diffusion.Engine.Scheduling;
using Diffusion.Engine.Tests.Llm;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Engine.Tests.Denoising;

/// <summary>One pool for the LLM's KV cache and the jobs' latents: a growing LLM sequence swaps a diffusion job out, and the job still ends as the pipeline's run.</summary>
public sealed class DiffusionPreemptionTests
{
    [Fact]
    public async Task A_job_swapped_out_for_the_llm_and_back_gives_the_pipelines_latent()
    {
        DiffusionPipeline pipeline = UnetFixtures.Pipeline(UnetFixtures.PerSampleTimestep);
        // Six KV blocks of 16 tokens of the tiny LLM (16 KiB each); each guided job's latents take one.
        var options = new EngineOptions { MemoryBudgetBytes = 6 * 16 * 1024, BlockSize = 16 };
        await using EngineHost host = EngineHost.Start(options, TinyLlmFixture.LlmDirectory, TinyLlmFixture.TokenizerDirectory,
            new UnetDiffusionStepRunner(pipeline.Models.Unet));
        var images = new EngineImageGenerator(host.Loop, pipeline);
        Assert.Equal(6, host.Pool.NumBlocks);

        GenerationRequest[] requests =
        [
            new() { Prompt = "a lamp on a desk", Seed = 1, Steps = 200, GuidanceScale = 4f },
            new() { Prompt = "a ship at sea", Seed = 2, Steps = 200, GuidanceScale = 6f },
        ];
        // The jobs start first (encoded beforehand) and the LLM right behind them: it passes the four blocks they leave
        // it after ~64 tokens, while they still have ~135 of their 200 steps to run. Started the other way round, the
        // jobs had to join within the LLM's first 64 tokens, which a busy machine could miss.
        IReadOnlyList<PromptEmbedding>[] encoded = requests.Select(r => pipeline.EncodePrompts(r.Prompt, r.NegativePrompt)).ToArray();

        // Lower priority: the jobs are the victims when the LLM needs their blocks.
        Task<GenerationResult>[] jobs = requests
            .Select((r, i) => images.GenerateAsync(r, encoded[i][0], encoded[i][1], options: new RequestOptions { Priority = -1 }))
            .ToArray();

        int[] prompt = host.Codec!.EncodePrompt("a red fox in snow");
        LlmCompletionHandle llm = host.Loop.SubmitCompletion(prompt, new SamplingParams { MaxTokens = 90 - prompt.Length, IgnoreEos = true });
        await llm.Completion.WaitAsync(TimeSpan.FromSeconds(60));
        GenerationResult[] results = await Task.WhenAll(jobs).WaitAsync(TimeSpan.FromSeconds(120));
        EngineStats stats = host.Loop.GetStats();
        Assert.True(stats.Scheduler.SwapOuts > 0, "the LLM should have swapped a job out");
        Assert.True(stats.Scheduler.SwapIns > 0);
        for (int i = 0; i < requests.Length; i++)
        {
            float[] expected = pipeline.Generate(requests[i]).FinalLatents;
            float worst = expected.Zip(results[i].FinalLatents, (x, y) => Math.Abs(x - y)).Max();
            Assert.True(worst <= 1e-4f, $"job {i} differs by {worst}");
        }

        Assert.Equal(0, host.Pool.UsedBlocks);
    }
}
