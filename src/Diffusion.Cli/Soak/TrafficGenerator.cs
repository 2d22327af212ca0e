using Diffusion.Replay.Arrivals;

namespace Diffusion.Cli.Soak;

/// <summary>The shares of the traffic: synchronous vs job, and how job clients follow their job.</summary>
public sealed record TrafficMix(double SyncShare, double EventsShare, double DisconnectShare)
{
    /// <summary>Half synchronous; of the jobs half follow the event stream, and 40 % of those drop it mid-stream.</summary>
    public static TrafficMix Faults { get; } = new(0.5, 0.5, 0.4);

    /// <summary>Synchronous only, so every accepted request's latency is its answer's.</summary>
    public static TrafficMix SyncOnly { get; } = new(1.0, 0, 0);
}

/// <summary>
/// Open-loop Poisson arrivals (seeded, the replay tool's schedule) at a given rate: each arrival is
/// sent at its time whether or not earlier ones were answered, as real users would.
/// </summary>
public sealed class TrafficGenerator(RequestSender sender, PromptSource prompts, SoakLedger ledger, SoakClock clock)
{
    /// <returns>How many requests were sent.</returns>
    public async Task<int> RunAsync(double rate, double seconds, SoakPhase phase, TrafficMix mix, int seed,
        CancellationToken abort, CancellationToken followStop)
    {
        var random = new Random(seed);
        var schedule = ArrivalSchedules.Poisson((int)Math.Ceiling(rate * seconds * 2) + 16, rate, seed);
        var begin = clock.Seconds;
        var sent = 0;
        foreach (var arrival in schedule)
        {
            if (arrival.At.TotalSeconds >= seconds) break;
            var wait = begin + arrival.At.TotalSeconds - clock.Seconds;
            if (wait > 0) await Task.Delay(TimeSpan.FromSeconds(wait), clock.Time, abort);
            var prompt = prompts.Next();
            Task task;
            if (random.NextDouble() < mix.SyncShare)
            {
                task = sender.SendSyncAsync(prompt, phase, abort);
            }
            else
            {
                var mode = random.NextDouble() >= mix.EventsShare ? JobFollowMode.Poll
                    : random.NextDouble() < mix.DisconnectShare ? JobFollowMode.EventsThenDisconnect : JobFollowMode.Events;
                // Drop the stream somewhere in the first half of the 50 steps (a progress event per step).
                task = sender.RunJobAsync(prompt, phase, mode, random.Next(1, 25), abort, followStop);
            }
            ledger.Track(task);
            sent++;
        }
        return sent;
    }
}
