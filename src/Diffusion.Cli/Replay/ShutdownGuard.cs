namespace Diffusion.Cli.Replay;

/// <summary>
/// Keeps the process alive after Ctrl+C until the replay has written its files. System.CommandLine
/// ends the invocation 2 s after the signal (its ProcessTerminationTimeout), which would cut the
/// drain of in-flight requests short; this holds process exit until <see cref="Dispose"/> (bounded
/// by <paramref name="limit"/>), without changing how the other commands stop.
/// </summary>
public sealed class ShutdownGuard : IDisposable
{
    private readonly ManualResetEventSlim done = new();
    private readonly TimeSpan limit;

    public ShutdownGuard(TimeSpan limit)
    {
        this.limit = limit;
        AppDomain.CurrentDomain.ProcessExit += HoldExit;
    }

    public void Dispose()
    {
        done.Set();
        AppDomain.CurrentDomain.ProcessExit -= HoldExit;
    }

    private void HoldExit(object? sender, EventArgs e) => done.Wait(limit);
}
