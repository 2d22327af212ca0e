using System.Runtime.InteropServices;

namespace Diffusion.Cli.Soak;

/// <summary>
/// Ctrl+C (SIGINT) or SIGTERM stops the soak and lets it clean up (kill its service and Redis,
/// unmount the tmpfs, write what it measured); the runtime's default would end the process at once
/// and leave both running and the tmpfs mounted. A second signal gets the default handling.
/// </summary>
public sealed class SoakSignals : IDisposable
{
    private readonly CancellationTokenSource stop;
    private readonly TextWriter error;
    private readonly PosixSignalRegistration? interrupt;
    private readonly PosixSignalRegistration? terminate;

    public SoakSignals(CancellationToken outer, TextWriter error)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        this.error = error;
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
        error.WriteLine("\nsoak: stopping: killing the service and Redis, unmounting the tmpfs (signal again to quit at once and leave them)");
        stop.Cancel();
    }
}
