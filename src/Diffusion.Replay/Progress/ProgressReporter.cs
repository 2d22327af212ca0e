using Diffusion.Replay.Running;

namespace Diffusion.Replay.Progress;

/// <summary>
/// Shows a pass's progress on a writer (stderr). On a terminal one line is redrawn in place a few
/// times a second; otherwise (a log file, a pipe) a plain line is written every few seconds, so
/// logs stay readable.
/// </summary>
public sealed class ProgressReporter(TextWriter output, bool interactive, TimeProvider time)
{
    public static readonly TimeSpan TerminalInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan LogInterval = TimeSpan.FromSeconds(5);

    /// <summary>Reports until <paramref name="finished"/> fires, then writes the final state once.</summary>
    public async Task RunAsync(LiveStats stats, CancellationToken finished)
    {
        var interval = interactive ? TerminalInterval : LogInterval;
        try
        {
            while (true)
            {
                await Task.Delay(interval, time, finished);
                Write(stats.Snapshot(), final: false);
            }
        }
        catch (OperationCanceledException) when (finished.IsCancellationRequested)
        {
            Write(stats.Snapshot(), final: true);
        }
    }

    private void Write(ProgressSnapshot snapshot, bool final)
    {
        var line = ProgressLine.Format(snapshot, interactive ? 24 : 0);
        if (interactive)
            // \r and "erase to end of line" redraw in place; the final state keeps its line.
            output.Write("\r" + line + "\u001b[K" + (final ? "\n" : ""));
        else
            output.WriteLine(line);
        output.Flush();
    }
}
