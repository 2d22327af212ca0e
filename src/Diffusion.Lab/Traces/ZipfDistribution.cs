using Diffusion.Replay.Traces;

namespace Diffusion.Lab.Traces;

/// <summary>Ranks 0..n-1 drawn with probability proportional to (rank + 1)^-exponent.</summary>
public sealed class ZipfDistribution
{
    private readonly double[] _cumulative;
    private readonly double[] _probabilities;

    public ZipfDistribution(int count, double exponent)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (!(exponent >= 0) || double.IsInfinity(exponent))
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "A Zipf exponent must be finite and not negative.");
        }

        Exponent = exponent;
        _probabilities = new double[count];
        _cumulative = new double[count];
        var total = 0.0;
        for (var i = 0; i < count; i++)
        {
            _probabilities[i] = Math.Pow(i + 1, -exponent);
            total += _probabilities[i];
        }

        var sum = 0.0;
        for (var i = 0; i < count; i++)
        {
            _probabilities[i] /= total;
            sum += _probabilities[i];
            _cumulative[i] = sum;
        }
    }

    public int Count => _probabilities.Length;

    public double Exponent { get; }

    public double Probability(int rank) => _probabilities[rank];

    public int Sample(TraceRandom random)
    {
        var u = random.NextDouble();
        var index = Array.BinarySearch(_cumulative, u);
        index = index >= 0 ? index + 1 : ~index; // first cumulative value above u
        return Math.Min(index, Count - 1);
    }

    /// <summary>The expected number of distinct ranks seen in <paramref name="draws"/> independent draws.</summary>
    public double ExpectedDistinct(double draws)
    {
        var sum = 0.0;
        foreach (var p in _probabilities)
        {
            sum += 1 - Math.Pow(1 - p, draws);
        }

        return sum;
    }
}
