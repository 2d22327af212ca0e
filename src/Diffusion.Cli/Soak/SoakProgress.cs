namespace Diffusion.Cli.Soak;

/// <summary>Progress on stderr: one line per phase step, one per fault, one per minute with counts.</summary>
public sealed class SoakProgress(TextWriter error, SoakClock clock)
{
    private readonly object gate = new();

    public void Line(string text)
    {
        lock (gate) error.WriteLine($"[soak {SoakClock.Format(clock.Seconds)}] {text}");
    }

    public void Fault(string kind, string detail) => Line($"fault {kind}: {detail}");

    /// <summary>The minute line: what was sent and how it has ended so far.</summary>
    public void Minute(int minute, IReadOnlyList<SoakRequest> requests, FaultLog faults, int inFlight)
    {
        var sent = requests.Count;
        var accepted = requests.Count(r => r.IsAccepted);
        var ok = requests.Count(r => r.Succeeded);
        var rejected = requests.Count(r => r.Status == 429);
        var refused = requests.Count(r => r.Transport == TransportFailure.Refused);
        var lostConnections = requests.Count(r => r.Kind == SoakRequestKind.Sync && r.Transport == TransportFailure.Lost);
        var errors = requests.Count(r => r.Status >= 500 || r.JobFinal == JobStates.Failed);
        var jobs404 = requests.Count(r => r.FirstNotFoundAt is not null);
        var hits = requests.Count(r => r.Succeeded && r.Hit is not null);
        Line($"minute {minute}: sent {sent}, accepted {accepted}, succeeded {ok} ({hits} cache hits), failed {errors}, 429 {rejected}, " +
             $"refused {refused}, connections lost {lostConnections}, jobs answering 404 {jobs404}, in flight {inFlight}, faults {faults.Total}");
    }
}
