namespace Diffusion.Replay.Metrics;

/// <summary>One reading of a server counter and where it came from ("json" = /v1/metrics, "prometheus" = /metrics).</summary>
public readonly record struct CounterReading(double Value, string Source);

/// <summary>
/// The server's counters at one moment, by <see cref="CounterNames"/>. A counter the server does
/// not report is absent (not zero); <see cref="Problems"/> says why a source could not be read.
/// </summary>
public sealed class ServerCounters
{
    public static ServerCounters Empty { get; } = new(new Dictionary<string, CounterReading>(), []);

    public ServerCounters(IReadOnlyDictionary<string, CounterReading> readings, IReadOnlyList<string> problems)
    {
        Readings = readings;
        Problems = problems;
    }

    public IReadOnlyDictionary<string, CounterReading> Readings { get; }

    public IReadOnlyList<string> Problems { get; }

    public CounterReading? this[string name] => Readings.TryGetValue(name, out var reading) ? reading : null;

    /// <summary>Counters of the first source, with gaps filled from the second.</summary>
    public static ServerCounters Merge(IReadOnlyDictionary<string, double> first, string firstSource,
        IReadOnlyDictionary<string, double> second, string secondSource, IReadOnlyList<string> problems)
    {
        var readings = new Dictionary<string, CounterReading>(StringComparer.Ordinal);
        foreach (var (name, value) in second) readings[name] = new CounterReading(value, secondSource);
        foreach (var (name, value) in first) readings[name] = new CounterReading(value, firstSource);
        return new ServerCounters(readings, problems);
    }
}
