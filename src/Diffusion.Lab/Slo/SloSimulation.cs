using Diffusion.Engine;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Lab.Slo;

/// <summary>
/// One policy on one point's arrivals, played by the real <see cref="IterationScheduler"/> on a virtual clock: at each
/// iteration boundary the requests that arrived join, the plan's cost (<see cref="SimulatedCosts"/>) advances the clock,
/// and an idle engine jumps to the next arrival. An expanded request's image job joins when its expansion ends, due as
/// in the real bench. Minutes of real load play in milliseconds, so policies can be compared over many seeds.
/// </summary>
public static class SloSimulation
{
    private static readonly LatentShape Shape = new(4, 16, 16);
    private const int Vocabulary = 64;

    /// <summary>Plays one run; the jitter is seeded by the requests, so every policy meets the same draws on the same arrivals.</summary>
    public static SloRun Run(SchedulerOptions scheduler, IReadOnlyList<SloRequest> requests, SloBenchOptions options, SimulatedCosts costs)
    {
        var clock = new VirtualClock();
        int seed = requests.Count == 0 ? 0 : (int)(requests[^1].Arrival.Ticks % int.MaxValue);
        var jitter = new Random(seed);
        var expansion = TimeSpan.FromMilliseconds(costs.LlmIterationMs) * options.ExpansionTokens;
        var model = new StepCostModel(costs.Step, TimeSpan.FromMilliseconds(costs.LlmIterationMs));
        using var pool = new BlockPool(BlockPoolOptions.ForKvCache(64L << 20, 16, 2, 64));
        var kv = new KvCacheManager(pool, new KvCacheOptions { BlockSize = 16 });
        var engine = new IterationScheduler(scheduler, kv, clock, costs: model);

        var outcomes = new List<(SloRequest Request, TimeSpan Latency, bool Met)>(requests.Count);
        var pending = new Dictionary<RequestId, (SloRequest Request, DateTimeOffset Arrived, DateTimeOffset? Due)>();
        var expanding = new Dictionary<RequestId, (SloRequest Request, ServiceLevel Level, DateTimeOffset? Due)>();
        long nextId = 0;
        int next = 0;
        while (outcomes.Count < requests.Count)
        {
            if (!engine.HasWork && next < requests.Count && clock.Elapsed < requests[next].Arrival)
            {
                clock.Elapsed = requests[next].Arrival;
            }
            for (; next < requests.Count && requests[next].Arrival <= clock.Elapsed; next++)
            {
                Arrive(requests[next]);
            }

            var plan = engine.Schedule();
            var cost = plan.Diffusion is { } d ? costs.DiffusionMs(d.Steps.Count)
                : plan.Llm is not null ? costs.LlmIterationMs
                : 0;
            // the engine learns the cost it met, jitter and spell included, as on a real machine
            var took = TimeSpan.FromMilliseconds(cost * (1 + costs.Jitter * (2 * jitter.NextDouble() - 1))
                * costs.SlowdownAt(clock.Elapsed - requests[0].Arrival, seed));
            clock.Elapsed += took;
            var events = engine.Update(plan, plan.Llm is { } llm ? Logits(llm) : null,
                plan.Diffusion is null ? null : new DiffusionBatchOutput(took));
            foreach (var done in events.FinishedLlm)
            {
                var (request, level, due) = expanding[done.Id];
                expanding.Remove(done.Id);
                SubmitImage(request, level, due);
            }
            foreach (var done in events.FinishedDiffusion)
            {
                var (request, arrived, due) = pending[done.Id];
                pending.Remove(done.Id);
                var now = clock.GetUtcNow();
                outcomes.Add((request, now - arrived, due is { } t && now <= t));
            }
            if (!plan.HasWork && (engine.HasWork || next >= requests.Count))
            {
                // an empty plan moves no clock: with work held (or none left to arrive) the next one would be empty too
                throw new InvalidOperationException("the simulated engine stalled with requests unfinished");
            }
        }

        var busy = clock.Elapsed - requests[0].Arrival;
        return new SloRun(outcomes, busy, engine.Counters.Pauses, model);

        void Arrive(SloRequest request)
        {
            var arrived = clock.GetUtcNow();
            var level = new ServiceLevel(request.Class, arrived);
            var imageWork = SloWorkload.ImageWork(options, request, costs.Step);
            var due = level.DueFor(SloWorkload.Work(options, request, costs.Step, expansion));
            if (!request.Expand)
            {
                SubmitImage(request, level, due);
                return;
            }
            var id = new RequestId(++nextId);
            engine.Add(new LlmSequenceGroup(id, [1, 2, 3, 4], new SamplingParams { MaxTokens = options.ExpansionTokens, IgnoreEos = true, Seed = 1 },
                level.Options(due, imageWork)));
            expanding.Add(id, (request, level, due));
        }

        void SubmitImage(SloRequest request, ServiceLevel level, DateTimeOffset? due)
        {
            var id = new RequestId(++nextId);
            var spec = new DiffusionJobSpec { TotalSteps = options.Steps, StartStep = request.StartStep, Shape = Shape };
            engine.Add(new DiffusionJob(id, spec, level.Options(due)));
            pending.Add(id, (request, level.ArrivedAt, due));
        }
    }

    private static LlmBatchOutput Logits(LlmBatchPlan batch) => new(
        batch.Sequences.Where(s => s.ProducesLogits).Select(s =>
        {
            var logits = new float[Vocabulary];
            logits[(s.TokenIds[^1] + 1) % Vocabulary] = 10f;
            return new SequenceLogits(s.Sequence, logits);
        }).ToList(),
        TimeSpan.Zero);

    /// <summary>A clock that moves only when told: the simulation's time.</summary>
    private sealed class VirtualClock : TimeProvider
    {
        private static readonly DateTimeOffset Origin = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public TimeSpan Elapsed { get; set; }

        public override DateTimeOffset GetUtcNow() => Origin + Elapsed;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Elapsed.Ticks;
    }
}
