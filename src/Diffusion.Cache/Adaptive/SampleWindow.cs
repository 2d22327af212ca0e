namespace Diffusion.Cache.Adaptive;

/// <summary>The latest observations of one quantity (a ring): their count, mean and the mean's standard error.</summary>
internal sealed class SampleWindow(int capacity)
{
    private readonly double[] _values = new double[capacity];
    private int _next;

    public int Count { get; private set; }

    public void Add(double value)
    {
        _values[_next] = value;
        _next = (_next + 1) % _values.Length;
        Count = Math.Min(Count + 1, _values.Length);
    }

    public double Mean => Count == 0 ? double.NaN : Values().Average();

    /// <summary>Standard error of the mean (NaN below 2 observations).</summary>
    public double StandardError
    {
        get
        {
            if (Count < 2)
            {
                return double.NaN;
            }
            var mean = Mean;
            var variance = Values().Sum(v => (v - mean) * (v - mean)) / (Count - 1);
            return Math.Sqrt(variance / Count);
        }
    }

    /// <summary>Oldest first.</summary>
    public IEnumerable<double> Values()
    {
        var start = Count < _values.Length ? 0 : _next;
        for (var i = 0; i < Count; i++)
        {
            yield return _values[(start + i) % _values.Length];
        }
    }

    public void Load(IEnumerable<double> oldestFirst)
    {
        foreach (var value in oldestFirst)
        {
            Add(value);
        }
    }
}
