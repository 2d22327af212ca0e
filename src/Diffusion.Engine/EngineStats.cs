using Diffusion.Engine.Memory;
using Diffusion.Engine.Scheduling;

namespace Diffusion.Engine;

/// <summary>
/// A snapshot of the engine for metrics and the bench: scheduler counters (tokens, steps, batch
/// sizes, concurrency, preemptions), the block pool (usage, kv waste, prefix sharing), queue depths
/// and where iteration time went (model math versus scheduling, sampling and bookkeeping).
/// </summary>
public sealed record EngineStats(
    SchedulerCounters Scheduler,
    KvCacheStats Memory,
    int Waiting,
    int Running,
    int Swapped,
    TimeSpan Uptime,
    TimeSpan BusyTime,
    TimeSpan ModelMathTime)
{
    /// <summary>Share of busy time spent outside the runners' model math.</summary>
    public double FractionOutsideMath => BusyTime <= TimeSpan.Zero ? 0 : 1.0 - (ModelMathTime / BusyTime);

    public double GeneratedTokensPerSecond => Uptime <= TimeSpan.Zero ? 0 : Scheduler.GeneratedTokens / Uptime.TotalSeconds;
}
