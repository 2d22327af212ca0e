namespace Diffusion.Evaluation;

/// <summary>Accumulates per-metric pass counts into fractions.</summary>
public sealed class MetricTally
{
    private readonly Dictionary<string, (int Pass, int Total)> _counts = new(StringComparer.Ordinal);

    public void Add(IReadOnlyDictionary<string, bool> scores)
    {
        foreach (var (metric, ok) in scores)
        {
            var (pass, total) = _counts.GetValueOrDefault(metric);
            _counts[metric] = (pass + (ok ? 1 : 0), total + 1);
        }
    }

    public void Add(string metric, bool ok) => Add(new Dictionary<string, bool> { [metric] = ok });

    public IReadOnlyDictionary<string, double> Fractions() =>
        _counts.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(kv => kv.Key, kv => Math.Round((double)kv.Value.Pass / kv.Value.Total, 4));

    public int Total(string metric) => _counts.GetValueOrDefault(metric).Total;

    /// <summary>The share of all checks passed, every metric together.</summary>
    public double Accuracy()
    {
        var total = _counts.Values.Sum(c => c.Total);
        return total == 0 ? 0 : Math.Round(_counts.Values.Sum(c => c.Pass) / (double)total, 4);
    }
}
