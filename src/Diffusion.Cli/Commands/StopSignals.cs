using System.Runtime.InteropServices;

namespace Diffusion.Cli.Commands;

/// <summary>
/// Ctrl+C (SIGINT) or SIGTERM stops a long command gently: the first signal runs <c>onFirstSignal</c> (say what
/// happens now, kill child processes) and cancels <see cref="Token"/> so the command cleans up and still writes what
/// it measured; a second signal gets the default handling, which ends the process at once. Handled here because the
/// runtime's default for these signals ends the process without any cleanup (replay, soak and bench attacks use it).
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource stop;
    private readonly Action onFirstSignal;
    private readonly PosixSignalRegistration? interrupt;
    private readonly PosixSignalRegistration? terminate;

    public StopSignals(CancellationToken outer, Action onFirstSignal)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        this.onFirstSignal = onFirstSignal;
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
        if (stop.IsCancellationRequested) return;   // the second signal: default handling ends the process
        context.Cancel = true;
        onFirstSignal();
        stop.Cancel();
    }
}
