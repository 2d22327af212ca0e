using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;
using Diffusion.Engine.Text;

namespace Diffusion.Engine.Tests.Scheduling;

/// <summary>
/// An LLM runner for scheduler tests: the greedy next token is always (last fed token + 1) mod the
/// vocabulary, so outputs are predictable. Records every batch it ran.
/// </summary>
internal sealed class CountingLlmRunner(int vocabulary = 50) : ILlmRunner
{
    public List<LlmBatchPlan> Batches { get; } = new();

    public Func<LlmBatchPlan, Exception?>? FailWhen { get; set; }

    public LlmBatchOutput Execute(LlmBatchPlan batch)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        if (FailWhen?.Invoke(batch) is { } error)
        {
            throw error;
        }

        Batches.Add(batch);
        var logits = new List<SequenceLogits>();
        foreach (ScheduledSequence s in batch.Sequences.Where(s => s.ProducesLogits))
        {
            var l = new float[vocabulary];
            l[(s.TokenIds[^1] + 1) % vocabulary] = 10f;
            logits.Add(new SequenceLogits(s.Sequence, l));
        }

        return new LlmBatchOutput(logits, System.Diagnostics.Stopwatch.GetElapsedTime(started));
    }
}

/// <summary>A diffusion runner that adds 1 to every latent value per step and records batches.</summary>
internal sealed class CountingDiffusionRunner : IDiffusionStepRunner
{
    public List<DiffusionBatchPlan> Batches { get; } = new();

    public ValueTask<DiffusionBatchOutput> RunStepAsync(DiffusionBatchPlan batch, CancellationToken cancellationToken)
    {
        long started = System.Diagnostics.Stopwatch.GetTimestamp();
        Batches.Add(batch);
        foreach (ScheduledDiffusionStep step in batch.Steps)
        {
            var values = new float[step.Latents.Floats];
            step.Latents.CopyTo(values);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] += 1;
            }

            step.Latents.CopyFrom(values);
        }

        return ValueTask.FromResult(new DiffusionBatchOutput(System.Diagnostics.Stopwatch.GetElapsedTime(started)));
    }
}

/// <summary>Token i decodes to the letter 'a' + i mod 26 (no spaces), so stop strings are easy to aim at.</summary>
internal sealed class LetterDecoder : ITokenDecoder
{
    public string Decode(ReadOnlySpan<int> ids)
    {
        var chars = new char[ids.Length];
        for (int i = 0; i < ids.Length; i++)
        {
            chars[i] = (char)('a' + (ids[i] % 26));
        }

        return new string(chars);
    }
}

/// <summary>A scheduler over a small pool, driven synchronously: schedule, run the fakes, update.</summary>
internal sealed class SchedulerHarness : IDisposable
{
    public SchedulerHarness(SchedulerOptions options, int blocks = 64, int blockSize = 4, TimeProvider? time = null, bool prefixCaching = true,
        StepCostModel? costs = null)
    {
        Pool = new BlockPool(new BlockPoolOptions { BudgetBytes = blocks * 64L, Planes = 1, PlaneBlockBytes = 64 });
        Kv = new KvCacheManager(Pool, new KvCacheOptions { BlockSize = blockSize, EnablePrefixCaching = prefixCaching });
        Scheduler = new IterationScheduler(options, Kv, time, new LetterDecoder(), costs);
    }

    public BlockPool Pool { get; }

    public KvCacheManager Kv { get; }

    public IterationScheduler Scheduler { get; }

    public CountingLlmRunner Llm { get; } = new();

    public CountingDiffusionRunner Diffusion { get; } = new();

    public List<SchedulePlan> Plans { get; } = new();

    public List<IterationEvents> Events { get; } = new();

    private long _nextId;

    public LlmSequenceGroup AddLlm(int promptLength, SamplingParams? sampling = null, int priority = 0, int firstToken = 1,
        CancellationToken cancellation = default, DateTimeOffset? deadline = null, RequestOptions? options = null)
    {
        var group = new LlmSequenceGroup(new RequestId(++_nextId), Enumerable.Range(firstToken, promptLength).ToArray(),
            sampling ?? new SamplingParams { MaxTokens = 4 }, options ?? new RequestOptions { Priority = priority, Deadline = deadline }, cancellation);
        Scheduler.Add(group);
        return group;
    }

    public DiffusionJob AddDiffusion(int totalSteps, int startStep = 0, int size = 4, int priority = 0, CancellationToken cancellation = default,
        RequestOptions? options = null)
    {
        var job = new DiffusionJob(new RequestId(++_nextId),
            new DiffusionJobSpec { TotalSteps = totalSteps, StartStep = startStep, Shape = new LatentShape(1, size, size), ClassifierFreeGuidance = false },
            options ?? new RequestOptions { Priority = priority }, cancellation);
        Scheduler.Add(job);
        return job;
    }

    public SchedulePlan Step()
    {
        SchedulePlan plan = Scheduler.Schedule();
        LlmBatchOutput? llm = plan.Llm is null ? null : Llm.Execute(plan.Llm);
        DiffusionBatchOutput? diffusion = plan.Diffusion is null ? null : Diffusion.RunStepAsync(plan.Diffusion, default).AsTask().Result;
        Events.Add(Scheduler.Update(plan, llm, diffusion));
        Plans.Add(plan);
        return plan;
    }

    public int RunUntilIdle(int limit = 1000)
    {
        int n = 0;
        while (Scheduler.HasWork)
        {
            Assert.True(++n <= limit, "the scheduler did not finish its work");
            Step();
        }

        return n;
    }

    public IEnumerable<LlmCompletion> Completions => Events.SelectMany(e => e.FinishedLlm);

    public void Dispose() => Pool.Dispose();
}

/// <summary>Lets a wrapped runner take one iteration per permit, so tests control the loop's pace.</summary>
internal sealed class GatedLlmRunner(ILlmRunner inner) : ILlmRunner
{
    public SemaphoreSlim Gate { get; } = new(0);

    public LlmBatchOutput Execute(LlmBatchPlan batch)
    {
        Assert.True(Gate.Wait(TimeSpan.FromSeconds(30)), "the test never opened the gate");
        return inner.Execute(batch);
    }
}
