using Diffusion.Engine.Scheduling;
using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Slo;

/// <summary>One request of the workload: when it arrives (from the point's start), where it starts, its class.</summary>
public sealed record SloRequest(int Index, TimeSpan Arrival, int StartStep, bool Expand, SloClass Class);

/// <summary>The same seeded mix at every load: only the gaps between arrivals scale with the rate.</summary>
public static class SloWorkload
{
    /// <summary>A request's work alone at the given prices: its image steps and its expansion.</summary>
    public static TimeSpan Work(SloBenchOptions options, SloRequest request, TimeSpan step, TimeSpan expansion) =>
        ImageWork(options, request, step) + (request.Expand ? expansion : TimeSpan.Zero);

    /// <summary>Its image steps alone: what its expansion must leave time for before the due time.</summary>
    public static TimeSpan ImageWork(SloBenchOptions options, SloRequest request, TimeSpan step) => step * (options.Steps - request.StartStep);

    public static IReadOnlyList<SloRequest> Generate(SloBenchOptions options, double ratePerSecond, int repeat = 0)
    {
        var random = new TraceRandom(unchecked((long)options.Seed + repeat));
        var requests = new List<SloRequest>(options.RequestsPerPoint);
        var clock = TimeSpan.Zero;
        for (var i = 0; i < options.RequestsPerPoint; i++)
        {
            // exponential gaps: a Poisson process
            clock += TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / ratePerSecond);
            var roll = random.NextDouble();
            var k = 0;
            foreach (var (hitK, share) in options.HitMix)
            {
                if (roll < share)
                {
                    k = hitK;
                    break;
                }
                roll -= share;
            }
            requests.Add(new SloRequest(i, clock, (int)Math.Round(k * options.Steps / 50.0), random.NextDouble() < options.ExpandShare,
                random.NextDouble() < options.BatchShare ? SloClass.Batch : SloClass.Interactive));
        }
        return requests;
    }
}
