using Diffusion.Engine.Llm;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;
using Diffusion.Engine.Tests.Llm;
using Diffusion.Engine.Text;

namespace Diffusion.Engine.Tests.Engine;

/// <summary>The real stack (pool, KV manager, scheduler, tiny LLM runner) driven synchronously.</summary>
internal sealed class TinyLlmScheduling : IDisposable
{
    public TinyLlmScheduling(SchedulerOptions options, int blocks)
    {
        Pool = TinyLlmFixture.NewPool(blocks);
        Kv = new KvCacheManager(Pool, new KvCacheOptions { BlockSize = 16 });
        Codec = LlmTextCodec.Load(TinyLlmFixture.TokenizerDirectory, TinyLlmFixture.Model.Config);
        Scheduler = new IterationScheduler(
            options with { MaxModelLength = TinyLlmFixture.Model.Config.MaxPositions, EosTokenId = TinyLlmFixture.Model.Config.EosTokenId },
            Kv, TimeProvider.System, Codec);
        Runner = new LlmRunner(TinyLlmFixture.Model, Pool);
    }

    public BlockPool Pool { get; }

    public KvCacheManager Kv { get; }

    public LlmTextCodec Codec { get; }

    public IterationScheduler Scheduler { get; }

    public LlmRunner Runner { get; }

    public List<SchedulePlan> Plans { get; } = new();

    /// <summary>Runs the requests to completion; results in submission order.</summary>
    public List<LlmCompletion> Run(IReadOnlyList<(int[] Prompt, SamplingParams Sampling)> requests)
    {
        for (int i = 0; i < requests.Count; i++)
        {
            Scheduler.Add(new LlmSequenceGroup(new RequestId(i + 1), requests[i].Prompt, requests[i].Sampling));
        }

        var done = new Dictionary<RequestId, LlmCompletion>();
        for (int n = 0; Scheduler.HasWork; n++)
        {
            Assert.True(n < 10_000, "the engine did not finish");
            SchedulePlan plan = Scheduler.Schedule();
            Assert.Empty(plan.Aborted);
            Plans.Add(plan);
            LlmBatchOutput? output = plan.Llm is null ? null : Runner.Execute(plan.Llm);
            foreach (LlmCompletion c in Scheduler.Update(plan, output, null).FinishedLlm)
            {
                done.Add(c.Id, c);
            }
        }

        return Enumerable.Range(1, requests.Count).Select(i => done[new RequestId(i)]).ToList();
    }

    public void Dispose() => Pool.Dispose();
}
