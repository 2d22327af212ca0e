using System.Diagnostics;
using Diffusion.Engine;
using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Lab.EngineBench;

/// <summary>How a load run's clock advances per iteration.</summary>
public enum IterationClock
{
    /// <summary>By the measured wall time of the iteration (schedule, runner, update): real runs.</summary>
    WallTime,

    /// <summary>By the math time the runner reports: runs whose runner is a calibrated cost model.</summary>
    RunnerReported,
}

/// <summary>One batching mode under one arrival rate: throughput and latency of every job.</summary>
public sealed record DiffusionLoadResult(
    BatchingMode Mode,
    double Rate,
    int Jobs,
    double Seconds,
    double Throughput,
    double P50,
    double P95,
    double MeanLatency,
    double MeanBatch,
    int Iterations);

/// <summary>
/// Diffusion jobs arriving on a trace, run by the real iteration scheduler in a virtual clock: arrivals up to
/// the current time join at each iteration boundary, each iteration advances the clock by its cost, and an
/// idle engine jumps to the next arrival. With real UNet calls and <see cref="IterationClock.WallTime"/> this
/// is the engine loop's behaviour without waiting through idle gaps; with a calibrated cost model it is a
/// fast simulation of it. <c>makeJob</c> completes each job's spec (start step already set): conditioning, initial latent.
/// </summary>
public static class DiffusionLoadRun
{
    public static async Task<DiffusionLoadResult> RunAsync(BatchingMode mode, int maxBatch, DiffusionTrace trace, double rate,
        LatentShape shape, bool guided, Func<DiffusionArrival, DiffusionJobSpec, DiffusionJobSpec> makeJob, IDiffusionStepRunner runner,
        IterationClock clock, CancellationToken cancellationToken)
    {
        IReadOnlyList<DiffusionArrival> arrivals = trace.AtRate(rate);
        var probe = new DiffusionJobSpec { TotalSteps = trace.TotalSteps, Shape = shape, ClassifierFreeGuidance = guided };
        int blockBytes = (int)((probe.WorkingBytes + 63) / 64 * 64);
        using var pool = new BlockPool(new BlockPoolOptions { BudgetBytes = (maxBatch + 1L) * blockBytes, Planes = 1, PlaneBlockBytes = blockBytes });
        var kv = new KvCacheManager(pool, new KvCacheOptions());
        var scheduler = new IterationScheduler(new SchedulerOptions { Batching = mode, MaxDiffusionBatch = maxBatch }, kv);

        var arrivedAt = new Dictionary<RequestId, double>();
        var latencies = new List<double>(arrivals.Count);
        double now = 0;
        int next = 0, iterations = 0;
        long batched = 0;
        while (latencies.Count < arrivals.Count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!scheduler.HasWork && next < arrivals.Count)
            {
                now = Math.Max(now, arrivals[next].Seconds);
            }

            for (; next < arrivals.Count && arrivals[next].Seconds <= now; next++)
            {
                var id = new RequestId(next + 1);
                scheduler.Add(new DiffusionJob(id, makeJob(arrivals[next], probe with { StartStep = arrivals[next].StartStep })));
                arrivedAt.Add(id, arrivals[next].Seconds);
            }

            long started = Stopwatch.GetTimestamp();
            SchedulePlan plan = scheduler.Schedule();
            if (plan.Diffusion is null || plan.Aborted.Count > 0)
            {
                throw new InvalidOperationException("the scheduler ran no diffusion step while jobs were pending");
            }

            DiffusionBatchOutput output = await runner.RunStepAsync(plan.Diffusion, cancellationToken).ConfigureAwait(false);
            IterationEvents events = scheduler.Update(plan, null, output);
            now += clock == IterationClock.WallTime ? Stopwatch.GetElapsedTime(started).TotalSeconds : output.MathTime.TotalSeconds;
            iterations++;
            batched += plan.Diffusion.Steps.Count;
            foreach (DiffusionJobResult finished in events.FinishedDiffusion)
            {
                latencies.Add(now - arrivedAt[finished.Id]);
            }
        }

        double span = now - arrivals[0].Seconds;
        return new DiffusionLoadResult(mode, rate, arrivals.Count, span, arrivals.Count / span,
            LatencyStats.Percentile(latencies, 50), LatencyStats.Percentile(latencies, 95), latencies.Average(),
            (double)batched / iterations, iterations);
    }
}
