using Diffusion.Engine;

namespace Diffusion.Lab.EngineBench;

/// <summary>
/// The highest arrival rate whose p95 latency stays within an SLO, by bisection between a rate known to meet
/// it and one known to miss it (p95 grows with the rate). Returns the lower end of the final bracket, so
/// the rate returned was measured to meet the SLO; 0 when even <paramref name="low"/> misses it.
/// </summary>
public static class SloRateSearch
{
    public static double MaxRate(Func<double, double> p95AtRate, double slo, double low, double high, int steps)
    {
        if (!(low > 0) || !(high > low) || steps < 1)
        {
            throw new ArgumentException($"need 0 < low < high and steps >= 1 (got {low}, {high}, {steps})");
        }

        if (p95AtRate(high) <= slo)
        {
            return high;
        }

        if (p95AtRate(low) > slo)
        {
            return 0;
        }

        for (int i = 0; i < steps; i++)
        {
            double mid = Math.Sqrt(low * high); // rates span orders of magnitude: bisect in log space
            if (p95AtRate(mid) <= slo)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }
}
