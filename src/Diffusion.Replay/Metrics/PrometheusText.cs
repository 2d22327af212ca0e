using System.Globalization;
using System.Text;

namespace Diffusion.Replay.Metrics;

/// <summary>One sample line of the Prometheus text format.</summary>
public sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>The samples of a Prometheus text exposition and the metric families it declares.</summary>
public sealed record PrometheusDocument(IReadOnlyList<PrometheusSample> Samples, IReadOnlySet<string> Families)
{
    /// <summary>True when the family is declared by a TYPE line or has at least one sample.</summary>
    public bool Has(string family) => Families.Contains(family) || Samples.Any(s => s.Name == family);

    /// <summary>Sum of the family's samples whose labels include every given pair.</summary>
    public double Sum(string family, params (string Label, string Value)[] match) =>
        Samples.Where(s => s.Name == family && match.All(m => s.Labels.TryGetValue(m.Label, out var v) && v == m.Value))
            .Sum(s => s.Value);
}

/// <summary>
/// Parses the Prometheus text format (version 0.0.4): comments, TYPE lines, and samples with
/// optional labels (escaped quotes, backslashes and newlines) and an optional timestamp.
/// </summary>
public static class PrometheusText
{
    public static PrometheusDocument Parse(string text)
    {
        var samples = new List<PrometheusSample>();
        var families = new HashSet<string>(StringComparer.Ordinal);
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0) continue;
            if (line[0] == '#')
            {
                var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 3 && parts[1] == "TYPE") families.Add(parts[2]);
                continue;
            }
            samples.Add(ParseSample(line, number));
        }
        return new PrometheusDocument(samples, families);
    }

    private static PrometheusSample ParseSample(string line, int number)
    {
        var at = 0;
        while (at < line.Length && line[at] is not ('{' or ' ' or '\t')) at++;
        var name = line[..at];
        if (name.Length == 0) throw Bad(number, "a sample line must start with a metric name");

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (true)
            {
                while (at < line.Length && line[at] is ' ' or ',') at++;
                if (at >= line.Length) throw Bad(number, "unterminated label set");
                if (line[at] == '}') { at++; break; }
                var equals = line.IndexOf('=', at);
                if (equals < 0 || equals + 1 >= line.Length || line[equals + 1] != '"') throw Bad(number, "a label needs name=\"value\"");
                var label = line[at..equals].Trim();
                at = equals + 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (at >= line.Length) throw Bad(number, "unterminated label value");
                    var c = line[at++];
                    if (c == '"') break;
                    if (c == '\\' && at < line.Length)
                    {
                        var escaped = line[at++];
                        value.Append(escaped == 'n' ? '\n' : escaped);
                    }
                    else
                    {
                        value.Append(c);
                    }
                }
                labels[label] = value.ToString();
            }
        }

        var rest = line[at..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (rest.Length == 0) throw Bad(number, "a sample needs a value");
        return new PrometheusSample(name, labels, ParseValue(rest[0], number));
    }

    private static double ParseValue(string text, int number) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Bad(number, $"'{text}' is not a number"),
    };

    private static FormatException Bad(int number, string message) => new($"Prometheus text line {number}: {message}");
}
