using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Cli.Soak;

/// <summary>File handles and threads of the last service lifetime, after its warm-up and at the end.</summary>
public sealed record LifetimeResources(int? Pid, ProcessSample? AfterWarmUp, ProcessSample? AtEnd);

/// <summary>When each phase began (soak seconds, the time axis of every other field); null when the run stopped before it.</summary>
public sealed record SoakPhases(double? FaultsS, double? TrafficStoppedS, double? JobCheckS, double? OverloadS);

/// <summary>Whether the full disk was injected, and what the scratch disk saw; <paramref name="TmpfsBytes"/> is its size in the fault phase.</summary>
public sealed record DiskFullReport(bool Injected, string? NotInjectedReason, long? TmpfsBytes, double? FirstFullAtS, double FullSeconds,
    long MaxUsedBytes);

/// <summary>Everything a soak run measured; written as JSON (snake_case) and, on request, as a markdown table.</summary>
public sealed record SoakReport
{
    public required int Minutes { get; init; }
    public required double Load { get; init; }
    public required double CapacityRps { get; init; }
    public required string Store { get; init; }
    public required int Seed { get; init; }
    public required double KillEveryS { get; init; }
    public required DateTimeOffset StartedUtc { get; init; }
    public required double DurationS { get; init; }
    public required bool Completed { get; init; }
    public string? Problem { get; init; }
    public required string Prompts { get; init; }
    public required WarmUpResult? WarmUp { get; init; }
    public required SoakPhases Phases { get; init; }

    public required int Sent { get; init; }
    public required int Accepted { get; init; }
    public required IReadOnlyDictionary<string, int> NotAccepted { get; init; }
    public required OutcomeCounts Outcomes { get; init; }
    // The headline keys (lost_jobs, corrupt_served, unexplained_5xx) are counts; the cases are listed under *_detail.
    [JsonPropertyName("lost_jobs")]
    public required int LostJobsCount { get; init; }

    [JsonPropertyName("lost_jobs_detail")]
    public required IReadOnlyList<LostJob> LostJobs { get; init; }

    [JsonPropertyName("corrupt_served")]
    public required int CorruptServedCount { get; init; }

    [JsonPropertyName("corrupt_served_detail")]
    public required IReadOnlyList<CorruptServe> CorruptServed { get; init; }

    /// <summary>Hits naming a damaged latent within the lifetime that damaged it: possibly the near cache's good copy, so not counted above.</summary>
    public required int CorruptNamedSameLifetimeCount { get; init; }
    public required IReadOnlyList<CorruptServe> CorruptNamedSameLifetime { get; init; }
    public required int CacheHitsServed { get; init; }
    public required int LatentsCorrupted { get; init; }
    [JsonPropertyName("unexplained_5xx")]
    public required int Unexplained5xxCount { get; init; }

    [JsonPropertyName("unexplained_5xx_detail")]
    public required IReadOnlyList<UnexplainedServerError> Unexplained5xx { get; init; }

    [JsonPropertyName("explained_5xx")]
    public required int Explained5xx { get; init; }

    public required long DiskOverBudgetBytes { get; init; }
    public required long CacheBudgetBytes { get; init; }
    public required long MaxStoreBytes { get; init; }
    public required DiskFullReport DiskFull { get; init; }
    public required long PeakRssBytes { get; init; }
    public required int ServiceLifetimes { get; init; }
    public required LifetimeResources LastLifetime { get; init; }

    public required IReadOnlyDictionary<string, int> Faults { get; init; }
    public required IReadOnlyList<RestartRecord> Restarts { get; init; }
    public required IReadOnlyList<FaultEvent> FaultLog { get; init; }
    public required OverloadResult? Overload { get; init; }
    public required string WorkDirectory { get; init; }

    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower), new RoundedDouble() },
    };

    /// <summary>Seconds and ratios to 4 decimals: the clock's 7th digit is noise and hides the numbers.</summary>
    private sealed class RoundedDouble : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
        {
            if (double.IsFinite(value)) writer.WriteNumberValue(Math.Round(value, 4));
            else writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>The headline numbers as a markdown table, then the faults and outcomes.</summary>
    public string ToMarkdown()
    {
        string N(double? value, string format = "0.###") => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
        var text = new StringBuilder();
        text.AppendLine($"# Soak: {Minutes} min of faults at {N(Load, "0.##")} x capacity ({Store} store), {StartedUtc:yyyy-MM-dd HH:mm} UTC");
        text.AppendLine();
        text.AppendLine("| measure | value | goal |");
        text.AppendLine("|---|---|---|");
        void Row(string name, string value, string goal = "") => text.AppendLine($"| {name} | {value} | {goal} |");
        Row("capacity (requests/s)", N(CapacityRps));
        Row("sent / accepted", $"{Sent} / {Accepted}");
        Row("succeeded", Outcomes.Succeeded.ToString(CultureInfo.InvariantCulture));
        Row("failed (all reasons)", Outcomes.FailedWithReason.Values.Sum().ToString(CultureInfo.InvariantCulture));
        Row("connections lost in injected crashes", Outcomes.ConnectionLostInInjectedCrash.ToString(CultureInfo.InvariantCulture));
        Row("connections lost, unexplained", Outcomes.ConnectionLostUnexplained.ToString(CultureInfo.InvariantCulture), "0");
        Row("lost jobs", LostJobsCount.ToString(CultureInfo.InvariantCulture), "0");
        Row("images served from a corrupted latent", $"{CorruptServedCount} (of {CacheHitsServed} hits; {LatentsCorrupted} latents corrupted)", "0");
        Row("hits naming a corrupted latent in the lifetime that saw the damage", CorruptNamedSameLifetimeCount.ToString(CultureInfo.InvariantCulture));
        Row("unexplained 5xx", Unexplained5xxCount.ToString(CultureInfo.InvariantCulture), "0");
        Row("disk over budget (bytes)", DiskOverBudgetBytes.ToString(CultureInfo.InvariantCulture), "0");
        Row("disk full", DiskFull.Injected ? $"first at {N(DiskFull.FirstFullAtS, "0")} s, {N(DiskFull.FullSeconds, "0")} s in all" : $"not injected ({DiskFull.NotInjectedReason})");
        Row("peak RSS (MiB)", N(PeakRssBytes / 1048576.0, "0.0"));
        Row("last lifetime fds (after warm-up → end)", $"{LastLifetime.AfterWarmUp?.OpenFiles} → {LastLifetime.AtEnd?.OpenFiles}");
        Row("last lifetime threads (after warm-up → end)", $"{LastLifetime.AfterWarmUp?.Threads} → {LastLifetime.AtEnd?.Threads}");
        if (Overload is { } o)
        {
            Row("overload accepted / 429", $"{o.Accepted} / {o.Rejected429}");
            Row("overload 429 with Retry-After", N(o.RetryAfterPresent, "0.##"), "1");
            Row("overload max queue depth", o.MaxQueueDepth.ToString(CultureInfo.InvariantCulture));
            Row("overload p99 accepted (s) / unloaded p99 (s)", $"{N(o.P99AcceptedSeconds)} / {N(o.UnloadedP99Seconds)} (x{N(o.P99Ratio, "0.#")})");
            Row("recovered after overload", o.Recovered ? "yes" : "no", "yes");
        }
        text.AppendLine();
        text.AppendLine("| fault | count |");
        text.AppendLine("|---|---|");
        foreach (var (kind, count) in Faults) text.AppendLine($"| {kind} | {count} |");
        if (Outcomes.FailedWithReason.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("| failure reason | count |");
            text.AppendLine("|---|---|");
            foreach (var (reason, count) in Outcomes.FailedWithReason) text.AppendLine($"| {reason.Replace("|", "\\|")} | {count} |");
        }
        if (Problem is not null) text.AppendLine().AppendLine($"Stopped early: {Problem}");
        return text.ToString();
    }
}
