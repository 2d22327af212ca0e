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

        // The runner stops before the batch job's fourth step until the urgent job is queued, so the batch job cannot
        // finish first however slowly the test's own continuations run.
        var gate = new GateAfter(new UnetDiffusionStepRunner(pipeline.Models.Unet), steps: 3);
        await using (EngineHost host = EngineHost.Start(Options, null, null, gate))
        {
            var images = new EngineImageGenerator(host.Loop, pipeline);
            Task<GenerationResult> paused = images.GenerateAsync(batchRequest, options: batch);
            await gate.Reached.Task.WaitAsync(Timeout);
            IReadOnlyList<PromptEmbedding> encoded = pipeline.EncodePrompts(urgentRequest.Prompt, urgentRequest.NegativePrompt);
            // due at once: its slack is below the batch job's whatever the step costs; submitted before this call returns
            Task<GenerationResult> urgentRun = images.GenerateAsync(urgentRequest, encoded[0], encoded[1],
                options: new RequestOptions { Due = DateTimeOffset.UtcNow });
            gate.Open.TrySetResult();
            GenerationResult urgent = await urgentRun.WaitAsync(Timeout);
            GenerationResult resumed = await paused.WaitAsync(Timeout);

            // One job per iteration: the batch job's first four steps, then all six of the urgent one's, then the rest.
            RequestId batchId = gate.Stepped[0], urgentId = gate.Stepped.First(id => id != batchId);
            Assert.Equal(Enumerable.Repeat(batchId, 4).Concat(Enumerable.Repeat(urgentId, 6)).Concat(Enumerable.Repeat(batchId, 56)), gate.Stepped);
            Assert.Equal(uninterrupted, resumed.FinalLatents);     // bit-identical, not merely close
            Assert.Equal(urgentAlone, urgent.FinalLatents);
            Assert.True(host.Loop.GetStats().Scheduler.Pauses >= 1, "the batch job was never paused");
            Assert.Equal(0, host.Pool.UsedBlocks);
        }
    }

    /// <summary>Runs <paramref name="steps"/> iterations, then holds the next one until <see cref="Open"/> is set.</summary>
    private sealed class GateAfter(IDiffusionStepRunner inner, int steps) : IDiffusionStepRunner
    {
        private int _run;

        /// <summary>The job stepped in each iteration, in order.</summary>
        public List<RequestId> Stepped { get; } = [];

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async ValueTask<DiffusionBatchOutput> RunStepAsync(DiffusionBatchPlan batch, CancellationToken cancellationToken)
        {
            if (++_run == steps + 1)
            {
                Reached.TrySetResult();
                await Open.Task.WaitAsync(cancellationToken);
            }

            Stepped.Add(batch.Steps[0].Request);

            return await inner.RunStepAsync(batch, cancellationToken);
        }
    }
}
