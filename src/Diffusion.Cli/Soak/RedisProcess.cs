using System.Diagnostics;
using Diffusion.Cli.Processes;

namespace Diffusion.Cli.Soak;

/// <summary>
/// The soak's own redis-server on a free loopback port, without persistence (an outage loses the
/// shared cache, as a real Redis restart without a dump would). Stopping is a kill -9.
/// </summary>
public sealed class RedisProcess(string executable, string directory, int port) : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private Process? process;

    public int Port { get; } = port;
    public string Address => $"127.0.0.1:{Port}";
    public bool Running => process is { HasExited: false };

    public static string? FindExecutable() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, "redis-server"))
        .FirstOrDefault(File.Exists);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Running) return;
        Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo(executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no", "--dir", directory, "--daemonize", "no",
                     "--logfile", Path.Combine(directory, "redis.log"),
                 })
        {
            start.ArgumentList.Add(argument);
        }
        process = Process.Start(start) ?? throw new IOException($"{executable} did not start");
        // Its console output goes to the log file; drain the pipes so it never blocks on them.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await LoopbackPorts.AcceptsAsync(Port, cancellationToken))
        {
            if (process.HasExited)
                throw new IOException($"redis-server exited with {process.ExitCode} at start (see {Path.Combine(directory, "redis.log")})");
            if (DateTime.UtcNow > deadline)
                throw new IOException($"redis-server did not listen on {Address} within {StartTimeout.TotalSeconds:0} s");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>kill -9, then waits until it is gone.</summary>
    public void Kill()
    {
        if (process is null) return;
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // it exited between the check and the kill
        }
        process.Dispose();
        process = null;
    }

    public void Dispose() => Kill();
}
