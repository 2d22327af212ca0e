using Diffusion.Engine.Denoising;
using Diffusion.Engine.Scheduling;
using Diffusion.Inference.Pipeline;

namespace Diffusion.Engine.Tests.Denoising;

/// <summary>
/// Least-slack scheduling pauses batch work at a step boundary for an urgent request, its latent kept in the
/// pool, and the paused job resumes to the bit-identical latent of the same run uninterrupted.
/// </summary>
public sealed class StepBoundaryPauseTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static EngineOptions Options => new()
    {
        Scheduler = new SchedulerOptions { Policy = SchedulingPolicy.LeastSlack, MaxDiffusionBatch = 1, MaxResidentDiffusion = 2 },
    };

    [Fact]
    public async Task A_paused_batch_job_resumes_to_the_latent_of_an_uninterrupted_run()
    {
        DiffusionPipeline pipeline = UnetFixtures.Pipeline(UnetFixtures.PerSampleTimestep);
        var batchRequest = new GenerationRequest { Prompt = "a lamp on a desk", Seed = 11, Steps = 60, GuidanceScale = 4f };
        var urgentRequest = new GenerationRequest { Prompt = "a ship at sea", Seed = 12, Steps = 6, GuidanceScale = 4f };
        var batch = new RequestOptions { Class = SloClass.Batch };

        float[] uninterrupted, urgentAlone;
        await using (EngineHost host = EngineHost.Start(Options, null, null, new UnetDiffusionStepRunner(pipeline.Models.Unet)))
        {
            var images = new EngineImageGenerator(host.Loop, pipeline);
            uninterrupted = (await images.GenerateAsync(batchRequest, options: batch).WaitAsync(Timeout)).FinalLatents;
            urgentAlone = (await images.GenerateAsync(urgentRequest).WaitAsync(Timeout)).FinalLatents;
        }

        await using (EngineHost host = EngineHost.Start(Options, null, null, new UnetDiffusionStepRunner(pipeline.Models.Unet)))
        {
            var images = new EngineImageGenerator(host.Loop, pipeline);
            var batchStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Task<GenerationResult> paused = images.GenerateAsync(batchRequest,
                new GenerationHooks { StepCompleted = p => { if (p.Step >= 3) batchStarted.TrySetResult(); } }, batch);
            await batchStarted.Task.WaitAsync(Timeout);
            // due at once: its slack is below the batch job's whatever the step costs
            Task<GenerationResult> urgentRun = images.GenerateAsync(urgentRequest, options: new RequestOptions { Due = DateTimeOffset.UtcNow });
            Task first = await Task.WhenAny(paused, urgentRun).WaitAsync(Timeout);
            GenerationResult urgent = await urgentRun.WaitAsync(Timeout);
            GenerationResult resumed = await paused.WaitAsync(Timeout);

            Assert.Same(urgentRun, first);     // it overtook the batch job, which had most of its steps left

            Assert.Equal(uninterrupted, resumed.FinalLatents);     // bit-identical, not merely close
            Assert.Equal(urgentAlone, urgent.FinalLatents);
            Assert.True(host.Loop.GetStats().Scheduler.Pauses >= 1, "the batch job was never paused");
            Assert.Equal(0, host.Pool.UsedBlocks);
        }
    }
}
