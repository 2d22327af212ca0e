using System.Diagnostics;
using System.Globalization;
using Diffusion.Cli.Processes;

namespace Diffusion.Cli.Soak;

/// <summary>How the service is started: the settings that stay the same across restarts.</summary>
public sealed record ServiceLaunch(int Port, string DataDirectory, string ModelsDirectory, string CacheSize, int Workers,
    int JobRetentionSeconds, string LogPath);

/// <summary>What one start attempt came to.</summary>
public sealed record ServiceStart(bool Healthy, double Seconds, int? ExitCode, string? Problem);

/// <summary>
/// Runs the service as a child process: this same CLI with <c>serve</c>, on loopback, its output
/// appended to a log file. Each start is a new process lifetime; <see cref="Kill"/> is a kill -9.
/// </summary>
public sealed class ServiceProcess(ServiceLaunch launch, HttpClient http, SoakClock clock) : IDisposable
{
    private readonly List<double> launches = [];
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(180);
    private readonly object gate = new();
    private readonly Queue<string> lastLines = new();
    private Process? process;
    private StreamWriter? log;

    public Uri BaseAddress { get; } = new($"http://127.0.0.1:{launch.Port.ToString(CultureInfo.InvariantCulture)}/");
    public int Lifetime { get; private set; }
    public int? Pid { get { lock (gate) return process is { HasExited: false } p ? p.Id : null; } }
    public SoakStore? RunningStore { get; private set; }

    /// <summary>When each lifetime's process was started (soak seconds), in order.</summary>
    public IReadOnlyList<double> Launches { get { lock (gate) return launches.ToArray(); } }

    /// <summary>Starts a new lifetime and waits until /healthz answers 200 (or the process dies, or 180 s pass).</summary>
    public async Task<ServiceStart> StartAsync(SoakStore store, string? redisAddress, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        var (file, prefix) = CliSelf.Command();
        var start = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Environment.CurrentDirectory,
        };
        foreach (var argument in prefix) start.ArgumentList.Add(argument);
        foreach (var argument in Arguments(store, redisAddress)) start.ArgumentList.Add(argument);

        Process child;
        lock (gate)
        {
            Lifetime++;
            log ??= new StreamWriter(new FileStream(launch.LogPath, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
            log.WriteLine($"==== lifetime {Lifetime} ({store.ToString().ToLowerInvariant()} store) {DateTime.UtcNow:O}: {file} {string.Join(' ', start.ArgumentList)}");
            lastLines.Clear();
            launches.Add(clock.Seconds);
            child = Process.Start(start) ?? throw new IOException($"{file} did not start");
            process = child;
            RunningStore = store;
        }
        child.OutputDataReceived += (_, e) => Append(e.Data);
        child.ErrorDataReceived += (_, e) => Append(e.Data);
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();

        while (started.Elapsed < HealthyTimeout)
        {
            if (child.HasExited)
                return new ServiceStart(false, started.Elapsed.TotalSeconds, child.ExitCode, $"exited with {child.ExitCode}: {LastLines()}");
            if (await IsHealthyAsync(cancellationToken)) return new ServiceStart(true, started.Elapsed.TotalSeconds, null, null);
            await Task.Delay(250, cancellationToken);
        }
        return new ServiceStart(false, started.Elapsed.TotalSeconds, null, $"not healthy within {HealthyTimeout.TotalSeconds:0} s: {LastLines()}");
    }

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            using var response = await http.GetAsync(new Uri(BaseAddress, "healthz"), timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>kill -9 of the running lifetime; returns its pid (null when none ran).</summary>
    public int? Kill()
    {
        Process? victim;
        lock (gate)
        {
            victim = process;
            process = null;
        }
        if (victim is null) return null;
        int? pid = null;
        try
        {
            if (!victim.HasExited)
            {
                pid = victim.Id;
                victim.Kill(entireProcessTree: true);
                victim.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // exited on its own between the check and the kill
        }
        lock (gate) log?.WriteLine($"==== lifetime {Lifetime} killed (SIGKILL) {DateTime.UtcNow:O}");
        victim.Dispose();
        return pid;
    }

    public string LastLines()
    {
        lock (gate) return string.Join(" | ", lastLines);
    }

    public void Dispose()
    {
        Kill();
        lock (gate)
        {
            log?.Dispose();
            log = null;
        }
    }

    /// <summary>
    /// The service's <c>--max-queue-wait</c> from the next start on; null leaves the default (only the queue length limits).
    /// </summary>
    public double? MaxQueueWaitSeconds { get; set; }

    private IEnumerable<string> Arguments(SoakStore store, string? redisAddress)
    {
        string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
        yield return "serve";
        yield return "--urls"; yield return BaseAddress.ToString().TrimEnd('/');
        yield return "--data-dir"; yield return launch.DataDirectory;
        yield return "--models"; yield return launch.ModelsDirectory;
        yield return "--cache-size"; yield return launch.CacheSize;
        yield return "--workers"; yield return Text(launch.Workers);
        // Finished jobs stay readable for the whole soak, so a 404 at the end means lost, not expired.
        yield return "--job-retention"; yield return Text(launch.JobRetentionSeconds);
        if (MaxQueueWaitSeconds is { } wait)
        {
            yield return "--max-queue-wait"; yield return wait.ToString("0.###", CultureInfo.InvariantCulture);
        }
        if (store == SoakStore.Redis && redisAddress is not null)
        {
            yield return "--cache-redis"; yield return redisAddress;
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (gate)
        {
            log?.WriteLine(line);
            lastLines.Enqueue(line.Trim());
            while (lastLines.Count > 6) lastLines.Dequeue();
        }
    }
}
