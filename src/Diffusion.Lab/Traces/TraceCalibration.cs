

namespace Diffusion.Lab.Traces;

/// <summary>
/// Turns target statistics into per-request probabilities, so the statistics measured on the
/// generated trace (the way scripts/derive-trace-params.py measures the real logs) land on the
/// targets. A request first goes to the popular pool with <see cref="PopularProbability"/>;
/// otherwise a user with a previous prompt resends it with <see cref="ExactRepeatProbability"/>,
/// edits it with <see cref="EditProbability"/>, or starts a new scene.
/// </summary>
public sealed record TraceCalibration(
    double TargetRepeatRate,
    double TargetEditRate,
    double PopularShare,
    double PopularProbability,
    double ExactRepeatProbability,
    double EditProbability,
    double ExpectedActiveUsers,
    double EditLeakage)
{
    /// <param name="count">Requests in the trace.</param>
    /// <param name="pool">Popularity of the pool scenes.</param>
    /// <param name="users">Activity of the users.</param>
    /// <param name="editLeakage">
    /// Probability that a pool draw happens to be a small edit of the user's previous prompt; such
    /// requests count as edits when measured, so fewer deliberate edits are needed.
    /// </param>
    public static TraceCalibration Compute(
        int count, double repeatRate, double editRate, double popularShare,
        ZipfDistribution pool, ZipfDistribution users, double editLeakage)
    {
        // The first draw of a pool scene is no repeat: draw until the expected repeats reach their share.
        var poolRepeats = popularShare * repeatRate * count;
        var poolDraws = SolveDraws(pool, poolRepeats, count);
        var popular = poolDraws / count;

        // A user's first request has nothing to resend or edit.
        var activeUsers = users.ExpectedDistinct(count);
        var withHistory = Math.Max(count - activeUsers, 0);
        var eligible = withHistory * (1 - popular);
        var exact = (1 - popularShare) * repeatRate * count;
        var edits = Math.Max(editRate * count - withHistory * popular * editLeakage, 0);
        var exactProbability = eligible > 0 ? exact / eligible : 0;
        var editProbability = eligible > 0 ? edits / eligible : 0;
        if (exactProbability + editProbability > 1)
        {
            throw new ArgumentException(
                $"A trace of {count} requests from {users.Count} users cannot reach a repeat rate of {repeatRate:0.###} and an edit rate of {editRate:0.###}: " +
                "together they need more requests with a previous prompt than there are. Use more requests, fewer users or lower rates.");
        }

        return new TraceCalibration(repeatRate, editRate, popularShare, popular, exactProbability, editProbability, activeUsers, editLeakage);
    }

    /// <summary>The (fractional) number of draws n with n − E[distinct(n)] = repeats, at most <paramref name="max"/>.</summary>
    private static double SolveDraws(ZipfDistribution pool, double repeats, int max)
    {
        if (repeats <= 0)
        {
            return 0;
        }

        double Repeats(double n) => n - pool.ExpectedDistinct(n);
        if (Repeats(max) <= repeats)
        {
            return max;
        }

        double lo = 0, hi = max;
        for (var i = 0; i < 60; i++)
        {
            var mid = (lo + hi) / 2;
            if (Repeats(mid) < repeats)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi;
    }
}
