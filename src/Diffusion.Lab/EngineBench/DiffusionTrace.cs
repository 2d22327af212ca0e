using Diffusion.Engine;

namespace Diffusion.Lab.EngineBench;

/// <summary>One diffusion job of a load: when it arrives and the step it starts at.</summary>
public readonly record struct DiffusionArrival(double Seconds, int StartStep);

/// <summary>
/// A Poisson stream of diffusion jobs with mixed lengths, as cache hits make them (a hit at K leaves
/// TotalSteps − K steps). Gaps are drawn once at unit rate and scaled, so runs at different arrival rates
/// see the same jobs in the same order (common random numbers: p95 then moves smoothly with the rate).
/// </summary>
public sealed class DiffusionTrace
{
    private readonly double[] _unitGaps;
    private readonly int[] _startSteps;

    private DiffusionTrace(double[] unitGaps, int[] startSteps, int totalSteps)
    {
        _unitGaps = unitGaps;
        _startSteps = startSteps;
        TotalSteps = totalSteps;
    }

    public DiffusionTrace(int jobs, int totalSteps, int minRemaining, int maxRemaining, int seed)
    {
        if (jobs < 1 || minRemaining < 1 || maxRemaining < minRemaining || maxRemaining > totalSteps)
        {
            throw new ArgumentException(
                $"a trace needs jobs >= 1 and 1 <= min remaining <= max remaining <= total steps (got {jobs}, {minRemaining}..{maxRemaining} of {totalSteps})");
        }

        var random = new Random(seed);
        _unitGaps = new double[jobs];
        _startSteps = new int[jobs];
        for (int i = 0; i < jobs; i++)
        {
            _unitGaps[i] = -Math.Log(1.0 - random.NextDouble());
            _startSteps[i] = totalSteps - random.Next(minRemaining, maxRemaining + 1);
        }

        TotalSteps = totalSteps;
    }

    /// <summary>A given trace: at rate 1 the jobs arrive at <paramref name="arrivalSeconds"/> (increasing).</summary>
    public static DiffusionTrace Explicit(IReadOnlyList<double> arrivalSeconds, IReadOnlyList<int> startSteps, int totalSteps)
    {
        if (arrivalSeconds.Count == 0 || arrivalSeconds.Count != startSteps.Count || startSteps.Any(k => k < 0 || k >= totalSteps))
        {
            throw new ArgumentException("one start step in [0, total steps) per arrival, and at least one arrival");
        }

        var gaps = new double[arrivalSeconds.Count];
        for (int i = 0; i < gaps.Length; i++)
        {
            gaps[i] = arrivalSeconds[i] - (i == 0 ? 0 : arrivalSeconds[i - 1]);
            if (gaps[i] < 0)
            {
                throw new ArgumentException("arrival times must not decrease");
            }
        }

        return new DiffusionTrace(gaps, startSteps.ToArray(), totalSteps);
    }

    public int Jobs => _unitGaps.Length;

    public int TotalSteps { get; }

    public double MeanRemainingSteps => _startSteps.Average(k => (double)(TotalSteps - k));

    /// <summary>Arrival times for <paramref name="rate"/> jobs per second (the first job arrives after one gap).</summary>
    public IReadOnlyList<DiffusionArrival> AtRate(double rate)
    {
        if (!(rate > 0) || double.IsInfinity(rate))
        {
            throw new ArgumentException($"the arrival rate must be a positive number (got {rate})");
        }

        var arrivals = new DiffusionArrival[Jobs];
        double t = 0;
        for (int i = 0; i < Jobs; i++)
        {
            t += _unitGaps[i] / rate;
            arrivals[i] = new DiffusionArrival(t, _startSteps[i]);
        }

        return arrivals;
    }
}
