using System.Text.Json;

namespace Diffusion.Lab.Traces;

/// <summary>
/// The numbers measured from the real prompt logs by scripts/derive-trace-params.py, read from
/// trace-params.json (embedded in this assembly; another file can be loaded instead). Only the
/// numbers the generator and the statistics use are read; the file also holds per-log details and
/// a note of how each number was measured.
/// </summary>
public sealed record TraceParameters
{
    private const string ResourceName = "Diffusion.Lab.Traces.trace-params.json";

    /// <summary>Fraction of requests whose prompt was seen before.</summary>
    public required double RepeatRate { get; init; }

    /// <summary>Fraction of requests that are a small edit of the user's previous prompt.</summary>
    public required double EditFraction { get; init; }

    /// <summary>Least-squares Zipf exponent over the rank-frequency of every repeated prompt.</summary>
    public required double ZipfExponent { get; init; }

    /// <summary>Prompts seen at least this often count as popular.</summary>
    public required int HeadMinCount { get; init; }

    /// <summary>Least-squares Zipf exponent over the popular prompts only: the popular pool's skew.</summary>
    public required double HeadZipfExponent { get; init; }

    /// <summary>Share of repeat requests that go to popular prompts; the rest resend a user's own prompt.</summary>
    public required double HeadShareOfRepeats { get; init; }

    /// <summary>Relative word-distance threshold of a small edit.</summary>
    public required double SmallEditThreshold { get; init; }

    /// <summary>Levels (0 to 1) of the inter-arrival quantile table.</summary>
    public required IReadOnlyList<double> InterArrivalQuantileLevels { get; init; }

    /// <summary>The gap between consecutive requests at each level, in seconds.</summary>
    public required IReadOnlyList<double> InterArrivalQuantileSeconds { get; init; }

    public required double InterArrivalMedianSeconds { get; init; }

    public required double InterArrivalMeanSeconds { get; init; }

    /// <summary>Coefficient of variation of the gaps (burstiness; 1 for a Poisson stream).</summary>
    public required double InterArrivalCv { get; init; }

    /// <summary>Median gap between consecutive requests of one user (channel), in seconds.</summary>
    public required double PerUserMedianSeconds { get; init; }

    /// <summary>Distinct users (channels) in the timestamped log.</summary>
    public required int Users { get; init; }

    /// <summary>Least-squares Zipf exponent of requests per user.</summary>
    public required double UserActivityExponent { get; init; }

    /// <summary>The parameters shipped with this assembly.</summary>
    public static TraceParameters Default { get; } = LoadEmbedded();

    public static TraceParameters Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The trace parameter file '{path}' does not exist (scripts/derive-trace-params.py writes it).", path);
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    public static TraceParameters Parse(string json)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"trace parameters are not valid JSON: {e.Message}", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            var parameters = new TraceParameters
            {
                RepeatRate = Number(root, "repeatRate", "value"),
                EditFraction = Number(root, "edits", "fraction"),
                ZipfExponent = Number(root, "popularity", "zipfExponent"),
                HeadMinCount = (int)Number(root, "popularity", "headMinCount"),
                HeadZipfExponent = Number(root, "popularity", "headZipfExponent"),
                HeadShareOfRepeats = Number(root, "popularity", "headShareOfRepeats"),
                SmallEditThreshold = Number(root, "smallEdit", "relativeThreshold"),
                InterArrivalQuantileLevels = Numbers(root, "interArrival", "overall", "quantileLevels"),
                InterArrivalQuantileSeconds = Numbers(root, "interArrival", "overall", "quantileSeconds"),
                InterArrivalMedianSeconds = Number(root, "interArrival", "overall", "medianSeconds"),
                InterArrivalMeanSeconds = Number(root, "interArrival", "overall", "meanSeconds"),
                InterArrivalCv = Number(root, "interArrival", "overall", "cv"),
                PerUserMedianSeconds = Number(root, "interArrival", "perChannel", "medianSeconds"),
                Users = (int)Number(root, "users", "count"),
                UserActivityExponent = Number(root, "users", "activityZipfExponent"),
            };
            parameters.Validate();
            return parameters;
        }
    }

    private void Validate()
    {
        Check(RepeatRate is >= 0 and < 1, "repeatRate.value must lie in [0, 1)");
        Check(EditFraction is >= 0 and < 1, "edits.fraction must lie in [0, 1)");
        Check(HeadShareOfRepeats is >= 0 and <= 1, "popularity.headShareOfRepeats must lie in [0, 1]");
        Check(ZipfExponent >= 0 && HeadZipfExponent >= 0 && UserActivityExponent >= 0, "Zipf exponents must not be negative");
        Check(HeadMinCount >= 2, "popularity.headMinCount must be at least 2");
        Check(SmallEditThreshold is > 0 and < 1, "smallEdit.relativeThreshold must lie in (0, 1)");
        Check(Users >= 1, "users.count must be positive");
        try
        {
            _ = InterArrival();
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"interArrival.overall quantile table: {e.Message}", e);
        }
    }

    /// <summary>The distribution of gaps between consecutive requests, in seconds.</summary>
    public EmpiricalDistribution InterArrival() => new(InterArrivalQuantileLevels, InterArrivalQuantileSeconds);

    private static TraceParameters LoadEmbedded()
    {
        using var stream = typeof(TraceParameters).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The assembly lacks its embedded {ResourceName}.");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    private static JsonElement Element(JsonElement root, params string[] path)
    {
        var e = root;
        foreach (var name in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(name, out e))
            {
                throw new InvalidDataException($"trace parameters lack '{string.Join('.', path)}'");
            }
        }

        return e;
    }

    private static double Number(JsonElement root, params string[] path)
    {
        var e = Element(root, path);
        return e.ValueKind == JsonValueKind.Number
            ? e.GetDouble()
            : throw new InvalidDataException($"trace parameter '{string.Join('.', path)}' must be a number");
    }

    private static double[] Numbers(JsonElement root, params string[] path)
    {
        var e = Element(root, path);
        if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.Number))
        {
            throw new InvalidDataException($"trace parameter '{string.Join('.', path)}' must be an array of numbers");
        }

        return e.EnumerateArray().Select(x => x.GetDouble()).ToArray();
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidDataException(message);
        }
    }
}
