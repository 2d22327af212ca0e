namespace Diffusion.Cli.Attacks.Scoring;

/// <summary>
/// The exact (Clopper–Pearson) one-sided upper confidence bound of a rate from k events in n trials: the rate p at
/// which seeing k or fewer has probability 1 − confidence. For k = 0 it is 1 − (1 − confidence)^(1/n), about 3/n
/// at 95 %: 0 poisoned of 60 bounds the rate below 0.049, and showing it below 0.01 takes about 300 requests.
/// </summary>
public static class BinomialBound
{
    public static double Upper(int events, int trials, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(trials, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(events);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(events, trials);
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "a confidence is in (0, 1)");
        if (events == trials) return 1.0;
        var tail = 1 - confidence;
        double low = (double)events / trials, high = 1.0;
        // P(X ≤ k) falls as p rises: bisect for the p where it equals the tail
        for (var i = 0; i < 100; i++)
        {
            var mid = (low + high) / 2;
            if (CumulativeAtMost(events, trials, mid) > tail) low = mid;
            else high = mid;
        }
        return (low + high) / 2;
    }

    private static double CumulativeAtMost(int k, int n, double p)
    {
        var sum = 0.0;
        for (var i = 0; i <= k; i++)
        {
            sum += Math.Exp(LogChoose(n, i) + i * Math.Log(p) + (n - i) * Math.Log(1 - p));
        }
        return sum;
    }

    private static double LogChoose(int n, int k)
    {
        var log = 0.0;
        for (var i = 1; i <= k; i++) log += Math.Log(n - k + i) - Math.Log(i);
        return log;
    }
}
