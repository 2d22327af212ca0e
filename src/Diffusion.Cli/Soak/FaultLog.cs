namespace Diffusion.Cli.Soak;

/// <summary>Names of the injected faults, as they appear in the report's <c>faults</c> counts.</summary>
public static class FaultKinds
{
    public const string Kill = "kill";
    public const string RedisOutage = "redis_outage";
    public const string DiskFiller = "disk_full_filler";
    public const string DiskFullNatural = "disk_full_natural";
    public const string CorruptLatent = "corrupt_latent";
    public const string TruncateLatent = "truncate_latent";
    public const string SseDisconnect = "sse_disconnect";
}

/// <summary>
/// A stretch of time in which a fault is in effect, from its injection to its end plus a grace period
/// (a kill: from the kill until the restarted service is healthy + 5 s). <see cref="End"/> is infinite
/// while the fault lasts. Only kills and Redis outages explain a 5xx answer; a full disk is recorded
/// to annotate answers, not to excuse them (a service should survive its disk filling up).
/// </summary>
public sealed class FaultWindow(string kind, double start)
{
    public string Kind { get; } = kind;
    public double Start { get; } = start;
    public double End { get; internal set; } = double.PositiveInfinity;

    public bool ExplainsServerErrors => Kind is FaultKinds.Kill or FaultKinds.RedisOutage;

    public bool ExplainsLostConnections => Kind == FaultKinds.Kill;

    /// <summary>True when [<paramref name="from"/>, <paramref name="to"/>] and the window share an instant.</summary>
    public bool Overlaps(double from, double to) => Start <= to && from <= End;
}

/// <summary>A latent the soak damaged on purpose: which one (tenant, entry id, K), when, and how.</summary>
public sealed record CorruptedLatent(string Tenant, string EntryId, int K, double At, string How, string Store);

/// <summary>One injected fault as it happened, for the progress log and the report.</summary>
public sealed record FaultEvent(double At, string Kind, string Detail);

/// <summary>Everything the fault injectors did, safe to write from several tasks at once.</summary>
public sealed class FaultLog
{
    /// <summary>How long after a fault ends its 5xx answers and dropped connections still count as its doing.</summary>
    public static readonly double GraceSeconds = 5;

    private readonly object gate = new();
    private readonly List<FaultWindow> windows = [];
    private readonly List<FaultEvent> events = [];
    private readonly List<CorruptedLatent> corrupted = [];
    private readonly Dictionary<string, int> counts = new(StringComparer.Ordinal);

    /// <summary>Counts a fault and logs it; a fault that lasts also gets a window to close with <see cref="Close"/>.</summary>
    public FaultWindow? Record(double at, string kind, string detail, bool lasting = false)
    {
        lock (gate)
        {
            events.Add(new FaultEvent(at, kind, detail));
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            if (!lasting) return null;
            var window = new FaultWindow(kind, at);
            windows.Add(window);
            return window;
        }
    }

    /// <summary>The fault ended at <paramref name="endedAt"/>; its window runs on for the grace period.</summary>
    public void Close(FaultWindow window, double endedAt, double? grace = null)
    {
        lock (gate) window.End = endedAt + (grace ?? GraceSeconds);
    }

    /// <summary>A note in the log that is not a fault (a restart, a removed filler), not counted.</summary>
    public void Note(double at, string kind, string detail)
    {
        lock (gate) events.Add(new FaultEvent(at, kind, detail));
    }

    public void AddCorrupted(CorruptedLatent latent, string detail)
    {
        lock (gate)
        {
            corrupted.Add(latent);
            events.Add(new FaultEvent(latent.At, latent.How, detail));
            counts[latent.How] = counts.GetValueOrDefault(latent.How) + 1;
        }
    }

    public IReadOnlyList<FaultWindow> Windows { get { lock (gate) return windows.ToArray(); } }
    public IReadOnlyList<FaultEvent> Events { get { lock (gate) return events.OrderBy(e => e.At).ToArray(); } }
    public IReadOnlyList<CorruptedLatent> Corrupted { get { lock (gate) return corrupted.ToArray(); } }

    public IReadOnlyDictionary<string, int> Counts
    {
        get { lock (gate) return new SortedDictionary<string, int>(counts, StringComparer.Ordinal); }
    }

    public int Total { get { lock (gate) return counts.Values.Sum(); } }
}
