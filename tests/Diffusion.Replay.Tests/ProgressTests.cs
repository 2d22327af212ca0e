using Diffusion.Replay.Progress;
using Diffusion.Replay.Records;
using Diffusion.Replay.Running;
using Diffusion.Replay.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Diffusion.Replay.Tests;

public sealed class ProgressTests
{
    [Fact]
    public void The_line_shows_done_rate_hit_rate_p50_and_errors()
    {
        var snapshot = new ProgressSnapshot("cache on", Total: 40, Sent: 14, Done: 10, Succeeded: 8, Failed: 2, Hits: 3, Retries: 5,
            P50LatencyS: 1.234, Elapsed: TimeSpan.FromSeconds(4));
        Assert.Equal("cache on [######..................] 10/40  2.50 req/s  hit 37.5%  p50 1.23 s  in flight 4  retries 5  errors 2  4s",
            ProgressLine.Format(snapshot));
        Assert.Equal("cache on 10/40  2.50 req/s  hit 37.5%  p50 1.23 s  in flight 4  retries 5  errors 2  4s",
            ProgressLine.Format(snapshot, barWidth: 0));
    }

    [Fact]
    public void Before_any_answer_there_is_no_hit_rate_or_latency()
    {
        var snapshot = new ProgressSnapshot("cache off", 5, 0, 0, 0, 0, 0, 0, null, TimeSpan.Zero);
        Assert.Equal("cache off 0/5  0.00 req/s  hit -  p50 -  in flight 0  retries 0  errors 0  0s", ProgressLine.Format(snapshot, 0));
    }

    [Fact]
    public void Live_stats_count_answers_hits_failures_retries_and_the_median()
    {
        var time = new FakeTimeProvider();
        var stats = new LiveStats("p", 4, time);
        for (var i = 0; i < 4; i++) stats.OnSent();
        stats.OnRetry();
        stats.OnFinished(TestRecords.Make(0, latency: 3, hit: true, k: 5));
        stats.OnFinished(TestRecords.Make(1, latency: 1));
        stats.OnFinished(TestRecords.Make(2, RequestOutcome.Failed, 500));
        time.Advance(TimeSpan.FromSeconds(2));

        var s = stats.Snapshot();
        Assert.Equal((4, 3, 2, 1, 1, 1, 1), (s.Sent, s.Done, s.Succeeded, s.Failed, s.Hits, s.Retries, s.InFlight));
        Assert.Equal(1, s.P50LatencyS);
        Assert.Equal(0.5, s.HitRate);
        Assert.Equal(1.5, s.Rate);
    }

    [Fact]
    public async Task Without_a_terminal_progress_is_plain_lines_ending_with_the_final_state()
    {
        var output = new StringWriter();
        var stats = new LiveStats("cache on", 2, TimeProvider.System);
        using var done = new CancellationTokenSource();
        var reporter = new ProgressReporter(output, interactive: false, TimeProvider.System).RunAsync(stats, done.Token);
        stats.OnSent();
        stats.OnFinished(TestRecords.Make(0));
        await done.CancelAsync();
        await reporter;

        var text = output.ToString();
        Assert.DoesNotContain("\r", text);
        Assert.Matches(@"cache on 1/2 .* errors 0  \d+s\n$", text.Replace("\r\n", "\n"));
        Assert.Contains("cache on 1/2", text);
    }
}
