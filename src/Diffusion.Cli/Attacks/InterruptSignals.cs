using System.Runtime.InteropServices;

namespace Diffusion.Cli.Attacks;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM during the bench: the services it started are killed at once, from the signal
/// handler itself, and the bench's token is cancelled so it unwinds and exits 130. Handled here because the
/// runtime's default for these signals ends the process without running cleanup, which would leave the child
/// services running. A second signal gets the default handling.
/// </summary>
public sealed class InterruptSignals : IDisposable
{
    private readonly CancellationTokenSource stop;
    private readonly PosixSignalRegistration? interrupt;
    private readonly PosixSignalRegistration? terminate;

    public InterruptSignals(CancellationToken outer)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        if (!OperatingSystem.IsWindows() && !OperatingSystem.IsBrowser())
        {
            interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        }
    }

    public CancellationToken Token => stop.Token;

    public void Dispose()
    {
        interrupt?.Dispose();
        terminate?.Dispose();
        stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        AttackService.KillAll();
        if (stop.IsCancellationRequested) return;   // the second signal: default handling ends the process
        context.Cancel = true;
        // cancelled before the kill's failures reach the requests in flight, so they end as "interrupted"
        stop.Cancel();
    }
}
