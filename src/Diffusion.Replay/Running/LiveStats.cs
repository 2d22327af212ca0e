using Diffusion.Replay.Records;
using Diffusion.Replay.Stats;

namespace Diffusion.Replay.Running;

/// <summary>Running counts of one pass for the progress line; updated by concurrent requests.</summary>
public sealed class LiveStats(string label, int total, TimeProvider time)
{
    private readonly Lock gate = new();
    private readonly List<double> latencies = [];
    private readonly long started = time.GetTimestamp();
    private int sent, done, succeeded, failed, hits, retries;

    public string Label { get; } = label;

    public int Total { get; } = total;

    public void OnSent() => Interlocked.Increment(ref sent);

    public void OnRetry() => Interlocked.Increment(ref retries);

    public void OnFinished(RequestRecord record)
    {
        lock (gate)
        {
            done++;
            if (record.Outcome == RequestOutcome.Succeeded)
            {
                succeeded++;
                if (record.Cache?.Hit == true) hits++;
                latencies.Add(record.LatencyS);
            }
            else
            {
                failed++;
            }
        }
    }

    public ProgressSnapshot Snapshot()
    {
        lock (gate)
        {
            var sorted = latencies.ToArray();
            Array.Sort(sorted);
            return new ProgressSnapshot(Label, Total, Volatile.Read(ref sent), done, succeeded, failed, hits,
                Volatile.Read(ref retries), Percentiles.Of(sorted, 0.5), time.GetElapsedTime(started));
        }
    }
}

/// <summary>One moment of a pass: what the progress line shows.</summary>
public sealed record ProgressSnapshot(
    string Label, int Total, int Sent, int Done, int Succeeded, int Failed, int Hits, int Retries,
    double? P50LatencyS, TimeSpan Elapsed)
{
    public int InFlight => Sent - Done;

    public double? HitRate => Succeeded == 0 ? null : (double)Hits / Succeeded;

    public double Rate => Elapsed.TotalSeconds <= 0 ? 0 : Done / Elapsed.TotalSeconds;
}
