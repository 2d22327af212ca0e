using System.Runtime.InteropServices;

namespace Diffusion.Cli.Replay;

/// <summary>
/// Ctrl+C (SIGINT) or SIGTERM stops a replay gently: the first signal stops sending and lets the
/// requests in flight finish, so everything is still written; a second one is left to the default
/// handling, which ends the process at once (the lines already in requests.jsonl stay). Handled
/// here because the runtime's default for these signals is to end the process without cleanup.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource stop;
    private readonly TextWriter error;
    private readonly TimeSpan drain;
    private readonly PosixSignalRegistration? interrupt;
    private readonly PosixSignalRegistration? terminate;

    public StopSignals(CancellationToken outer, TextWriter error, TimeSpan drain)
    {
        stop = CancellationTokenSource.CreateLinkedTokenSource(outer);
        this.error = error;
        this.drain = drain;
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
        error.WriteLine($"\nreplay: stopping: no new requests; up to {drain.TotalSeconds:0.#} s for those in flight (signal again to quit at once)");
        stop.Cancel();
    }
}
