using System.Diagnostics;
using System.Reflection;
using Diffusion.Cli.Commands;
using Diffusion.Cli.Processes;

namespace Diffusion.Cli.Attacks;

/// <summary>How the attacked service is started.</summary>
/// <param name="Defences">The value of serve's --shared-pool-defences.</param>
/// <param name="Corroboration">serve's --shared-pool-corroboration, or null for its default.</param>
/// <param name="ApiKeys">DIFFUSION_API_KEYS for the service.</param>
/// <param name="KeepData">Leave the data directory (images, sidecars, cache, serve.log) behind for inspection.</param>
public sealed record AttackServiceOptions(string ModelsDirectory, bool Defences, int? Corroboration, string ApiKeys, bool KeepData)
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
}

/// <summary>
/// The service under attack: <c>serve</c> of this same CLI in a child process on a free loopback port, with its own
/// temporary data directory. Separate from the bench's process, so the attacks meet it only over HTTP as tenants
/// do. Disposing kills it (and anything it started) and removes the data directory; so does the bench's exit.
/// </summary>
public sealed class AttackService : IAsyncDisposable
{
    private readonly Process process;
    private readonly bool keepData;
    private readonly ServiceLog log;
    private readonly EventHandler onExit;
    private int disposed;

    private AttackService(Process process, Uri address, string dataDirectory, bool keepData, ServiceLog log)
    {
        this.process = process;
        Address = address;
        DataDirectory = dataDirectory;
        this.keepData = keepData;
        this.log = log;
        // A backstop for exits that skip DisposeAsync (an unhandled exception, Environment.Exit): never leave a server behind.
        onExit = (_, _) => Kill();
        AppDomain.CurrentDomain.ProcessExit += onExit;
        Live[process.Id] = this;
    }

    /// <summary>Services started and not yet stopped, for <see cref="KillAll"/>.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, AttackService> Live = new();

    /// <summary>Kills every running service now (signal handlers: Ctrl+C must not leave one behind).</summary>
    public static void KillAll()
    {
        foreach (var service in Live.Values) service.Kill();
    }

    public Uri Address { get; }

    public string DataDirectory { get; }

    /// <summary>Where the service writes image sidecars: <c>{id}.json</c> with the unredacted cache report.</summary>
    public string ImagesDirectory => Path.Combine(DataDirectory, "images");

    /// <summary>The last lines the service wrote, for error messages.</summary>
    public string LogTail() => log.Tail();

    /// <exception cref="AttackServiceException">The service did not start or answer /healthz in time.</exception>
    public static async Task<AttackService> StartAsync(AttackServiceOptions options, TextWriter progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var data = Directory.CreateTempSubdirectory("diffusion-attacks-").FullName;
        // A port freed just before the child binds it can be taken in between; a second and third try cover that.
        for (var attempt = 1; ; attempt++)
        {
            var port = LoopbackPorts.Free();
            var log = new ServiceLog(Path.Combine(data, "serve.log"));
            Process process;
            try
            {
                process = Launch(options, port, data, log);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or AttackServiceException)
            {
                log.Dispose();
                Directory.Delete(data, recursive: true);
                throw e as AttackServiceException ?? new AttackServiceException($"could not start the service: {e.Message}", e);
            }
            var address = new Uri($"http://127.0.0.1:{port}/");
            var service = new AttackService(process, address, data, options.KeepData, log);
            try
            {
                await service.WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
                progress.WriteLine($"service: pid {process.Id} on {address} (defences {(options.Defences ? "on" : "off")}), data in {data}");
                return service;
            }
            catch (AttackServiceException) when (attempt < 3 && process.HasExited && service.LogTail().Contains("cannot listen", StringComparison.Ordinal))
            {
                await service.StopAsync(deleteData: false).ConfigureAwait(false);
            }
            catch
            {
                await service.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }
        await StopAsync(deleteData: !keepData).ConfigureAwait(false);
    }

    private async Task StopAsync(bool deleteData)
    {
        AppDomain.CurrentDomain.ProcessExit -= onExit;
        Live.TryRemove(process.Id, out _);
        Kill();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            try
            {
                await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Kill was sent; a process that ignores SIGKILL for 15 s is beyond our reach.
            }
        }
        process.Dispose();
        log.Dispose();
        if (deleteData)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"service: could not remove {DataDirectory}: {e.Message}");
            }
        }
    }

    private void Kill()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone
        }
    }

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (long)(AttackServiceOptions.StartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                // waits for the output pipes to drain, so the tail holds the service's last words
                process.WaitForExit();
                throw new AttackServiceException($"the service exited with code {process.ExitCode} before answering /healthz:\n{LogTail()}");
            }
            try
            {
                using var response = await http.GetAsync("healthz", cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // not listening yet
            }
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new AttackServiceException($"the service did not answer /healthz within {AttackServiceOptions.StartTimeout.TotalSeconds:0} s:\n{LogTail()}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    private static Process Launch(AttackServiceOptions options, int port, string data, ServiceLog log)
    {
        var (fileName, prefix) = CliExecutable();
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            // a pipe, not the terminal: the service must not read the user's keystrokes
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix) start.ArgumentList.Add(argument);
        string[] arguments =
        [
            ServeCommand.Name, "--urls", $"http://127.0.0.1:{port}", "--data-dir", data, "--models", Path.GetFullPath(options.ModelsDirectory),
            "--shared-pool-defences", options.Defences ? "on" : "off",
            // every image stays for the sidecar reads; no per-tenant limit may slow one attack's phase
            "--retain-images", "1000000", "--rate-limit", "0",
        ];
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        if (options.Corroboration is { } corroboration)
        {
            start.ArgumentList.Add("--shared-pool-corroboration");
            start.ArgumentList.Add(corroboration.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        start.Environment[ServeCommand.ApiKeysVariable] = options.ApiKeys;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Warning";

        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => log.Record(e.Data);
        process.ErrorDataReceived += (_, e) => log.Record(e.Data);
        if (!process.Start())
        {
            process.Dispose();
            throw new AttackServiceException($"could not start {fileName}");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>This CLI as a command; refused when this process is not the diffusion CLI (a test host, say).</summary>
    internal static (string FileName, string[] Prefix) CliExecutable()
    {
        var entry = Assembly.GetEntryAssembly()?.Location;
        if (Environment.ProcessPath is null || string.IsNullOrEmpty(entry)
            || !Path.GetFileNameWithoutExtension(entry).Equals("diffusion", StringComparison.Ordinal))
        {
            throw new AttackServiceException($"bench attacks starts the service from the diffusion CLI, but this process runs {entry ?? Environment.ProcessPath}");
        }
        return CliSelf.Command();
    }
}
