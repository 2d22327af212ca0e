namespace Diffusion.Replay;

/// <summary>How request send times are chosen.</summary>
public enum ArrivalMode
{
    /// <summary>Every request is due at once; only the concurrency limit paces them.</summary>
    ClosedLoop,

    /// <summary>A seeded Poisson process at <see cref="ReplayOptions.Rate"/> requests per second.</summary>
    Poisson,

    /// <summary>The trace's own timestamps, multiplied by <see cref="ReplayOptions.TimeScale"/>.</summary>
    Timestamps,
}

/// <summary>
/// Settings of one replay. <see cref="Validate"/> lists every problem at once, so the command line
/// can report them together before anything is sent.
/// </summary>
public sealed record ReplayOptions
{
    public const int DefaultConcurrency = 4;
    public const int DefaultMaxRetries = 100;

    /// <summary>Base address of the service, e.g. http://127.0.0.1:5000.</summary>
    public required Uri Server { get; init; }

    /// <summary>Where requests.jsonl, summary.json and the plots are written.</summary>
    public required string OutputDirectory { get; init; }

    public ArrivalMode Arrivals { get; init; } = ArrivalMode.ClosedLoop;

    /// <summary>Requests per second of the Poisson process (only with <see cref="ArrivalMode.Poisson"/>).</summary>
    public double? Rate { get; init; }

    /// <summary>Multiplies the gaps between trace timestamps (0.01 replays 100 times faster).</summary>
    public double TimeScale { get; init; } = 1.0;

    /// <summary>Most requests awaiting an answer at once.</summary>
    public int Concurrency { get; init; } = DefaultConcurrency;

    /// <summary>Replay only the first this many records of the trace.</summary>
    public int? Limit { get; init; }

    /// <summary>Denoising steps sent with every request; null lets the server choose.</summary>
    public int? Steps { get; init; }

    /// <summary>Seed of the arrival process.</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Replay a second time with <c>"cache":"off"</c> and compare the latencies.</summary>
    public bool CompareOff { get; init; }

    /// <summary>429 answers one request may receive before it is given up (and counted as an error).</summary>
    public int MaxRetries { get; init; } = DefaultMaxRetries;

    /// <summary>After a stop, how long requests already sent may still finish.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for one HTTP answer.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>API key sent as <c>Authorization: Bearer</c> to a service with keys; null sends none. The server counters need an admin key.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Every problem with these settings; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!Server.IsAbsoluteUri || Server.Scheme is not ("http" or "https"))
            errors.Add($"--server must be an http:// or https:// address; it is '{Server}'");
        if (string.IsNullOrWhiteSpace(OutputDirectory))
            errors.Add("--out must name a directory");
        if (Arrivals == ArrivalMode.Poisson && Rate is not (> 0 and < double.PositiveInfinity))
            errors.Add($"--rate must be a positive number of requests per second; it is {Rate?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "missing"}");
        if (Arrivals != ArrivalMode.Poisson && Rate is not null)
            errors.Add("--rate applies only to Poisson arrivals; it cannot be combined with --timestamps");
        if (!(TimeScale > 0) || double.IsInfinity(TimeScale))
            errors.Add($"--time-scale must be a positive number; it is {TimeScale.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (Concurrency is < 1 or > 1024)
            errors.Add($"--concurrency must be between 1 and 1024; it is {Concurrency}");
        if (Limit is < 1)
            errors.Add($"--limit must be at least 1; it is {Limit}");
        if (Steps is < 1)
            errors.Add($"--steps must be at least 1; it is {Steps}");
        if (MaxRetries < 0)
            errors.Add($"--max-retries must not be negative; it is {MaxRetries}");
        if (DrainTimeout < TimeSpan.Zero)
            errors.Add($"--drain-timeout must not be negative; it is {DrainTimeout.TotalSeconds} s");
        if (RequestTimeout <= TimeSpan.Zero)
            errors.Add($"--request-timeout must be positive; it is {RequestTimeout.TotalSeconds} s");
        return errors;
    }
}
