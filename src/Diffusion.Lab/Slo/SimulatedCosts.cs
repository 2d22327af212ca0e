using System.Globalization;

namespace Diffusion.Lab.Slo;

/// <summary>
/// What an iteration costs in a simulated <c>bench slo</c>: a diffusion iteration of n jobs costs
/// <see cref="OverheadMs"/> + n × <see cref="JobStepMs"/>, or the n-th of <see cref="BatchMs"/> where costs measured per
/// batch size are given (as <c>bench engine</c> measures sizes 1–8; past the list each further job adds the list's last
/// step); an LLM iteration costs <see cref="LlmIterationMs"/>. Each cost is scaled by a factor drawn uniformly from
/// 1 ± <see cref="Jitter"/>, as real iterations vary, and by <see cref="Spells"/>' factor while a slow spell lasts.
/// </summary>
public sealed record SimulatedCosts(double OverheadMs, double JobStepMs, double LlmIterationMs, double Jitter = 0.1)
{
    /// <summary>Measured cost of a diffusion iteration of 1, 2, … jobs, in ms; null for the line.</summary>
    public IReadOnlyList<double>? BatchMs { get; init; }

    /// <summary>Slow spells of the machine, where given.</summary>
    public SlowSpells? Spells { get; init; }

    /// <summary>Costs measured per batch size, with an LLM iteration's.</summary>
    public static SimulatedCosts Measured(IReadOnlyList<double> batchMs, double llmIterationMs) =>
        new(0, batchMs.Count > 0 ? batchMs[0] : 0, llmIterationMs) { BatchMs = batchMs };

    public SimulatedCosts Validate()
    {
        if (OverheadMs < 0 || JobStepMs <= 0 || LlmIterationMs <= 0 || Jitter is < 0 or >= 1
            || BatchMs is { } sizes && (sizes.Count is 0 or > 64 || sizes.Any(ms => !double.IsFinite(ms) || ms <= 0)))
        {
            throw new ArgumentException("bench slo --simulate: overhead ≥ 0, job step > 0, LLM iteration > 0 ms, jitter in [0, 1), "
                + "and 1 to 64 batch costs > 0 ms where given.");
        }
        Spells?.Validate();
        return this;
    }

    /// <summary>A diffusion iteration of <paramref name="jobs"/> jobs, in ms, before jitter.</summary>
    public double DiffusionMs(int jobs)
    {
        if (BatchMs is not { Count: > 0 } sizes)
        {
            return OverheadMs + JobStepMs * jobs;
        }
        if (jobs <= sizes.Count)
        {
            return sizes[Math.Max(1, jobs) - 1];
        }
        double perJob = sizes.Count > 1 ? Math.Max(0, sizes[^1] - sizes[^2]) : sizes[0];
        return sizes[^1] + perJob * (jobs - sizes.Count);
    }

    /// <summary>What an iteration starting <paramref name="at"/> into the run costs over its price: 1, or a spell's factor.</summary>
    public double SlowdownAt(TimeSpan at, int seed) => Spells?.FactorAt(at, seed) ?? 1;

    /// <summary>A step alone, as the real bench measures it first.</summary>
    public TimeSpan Step => TimeSpan.FromMilliseconds(DiffusionMs(1));

    /// <summary>The report's device line.</summary>
    public string Describe()
    {
        var diffusion = BatchMs is { } sizes
            ? $"diffusion iterations of 1..{sizes.Count} jobs {string.Join(" / ", sizes.Select(Ms))} ms"
            : $"a diffusion iteration {Ms(OverheadMs)} ms + {Ms(JobStepMs)} ms per job";
        var spells = Spells is { } slow
            ? $", {Ms(slow.Share * 100)} % of {Ms(slow.Seconds)}-second spans {Ms(slow.Factor)} times slower"
            : "";
        return $"simulated: {diffusion}, an LLM iteration {Ms(LlmIterationMs)} ms{spells}";

        static string Ms(double ms) => ms.ToString("0.##", CultureInfo.InvariantCulture);
    }
}
