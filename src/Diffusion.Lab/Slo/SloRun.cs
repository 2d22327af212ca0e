using Diffusion.Engine.Scheduling;

namespace Diffusion.Lab.Slo;

/// <summary>One run of one policy: the point's requests for one repeat, each with its latency and whether it met its due time.</summary>
public sealed record SloRun(IReadOnlyList<(SloRequest Request, TimeSpan Latency, bool Met)> Outcomes, TimeSpan Busy, long Pauses,
    StepCostModel Learned);
