using System.Diagnostics;
using System.Globalization;

namespace Diffusion.Lab.Cluster;

/// <summary>
/// One cluster started the way a user starts it: <c>scripts/cluster.sh up|down</c> with its environment settings
/// (instances, HAProxy, redis-server, a shared images directory), all on loopback.
/// </summary>
public sealed class ClusterScript(string script, string directory, int instances, int balancerPort, int redisPort,
    string modelsDirectory, bool sharedCache, string serveArguments)
{
    public Uri Balancer => new($"http://127.0.0.1:{balancerPort}");

    public int RedisPort => redisPort;

    public string Directory => directory;

    /// <summary>HAProxy's name for instance <paramref name="i"/> (1-based), as in <c>X-Served-By</c>.</summary>
    public static string ServerName(int i) => "s" + i.ToString(CultureInfo.InvariantCulture);

    /// <summary>Where instance <paramref name="i"/> keeps its local cache's latent files (isolated caches only).</summary>
    public string LocalLatents(int i) => Path.Combine(directory, "instance-" + i.ToString(CultureInfo.InvariantCulture), "cache", "latents");

    /// <summary>The script beside this checkout's build (…/src/Diffusion.Cli/bin/Release/net10.0 → scripts/cluster.sh).</summary>
    public static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "scripts", "cluster.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new InvalidOperationException("scripts/cluster.sh not found above " + AppContext.BaseDirectory + ": run the bench from a checkout.");
    }

    public Task UpAsync(CancellationToken cancellationToken) => RunAsync("up", TimeSpan.FromMinutes(5), cancellationToken);

    public Task DownAsync() => RunAsync("down", TimeSpan.FromSeconds(30), CancellationToken.None);

    /// <summary>SIGKILL to instance <paramref name="i"/>: no drain, no goodbye, as a crash.</summary>
    public void Kill(int i)
    {
        var pid = int.Parse(File.ReadAllText(Path.Combine(directory, $"instance-{i}.pid")).Trim(), CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        process.Kill();
    }

    private async Task RunAsync(string verb, TimeSpan limit, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("bash", [script, verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["CLUSTER_DIR"] = directory,
                ["CLUSTER_SIZE"] = instances.ToString(CultureInfo.InvariantCulture),
                ["CLUSTER_PORT"] = balancerPort.ToString(CultureInfo.InvariantCulture),
                ["CLUSTER_REDIS"] = redisPort.ToString(CultureInfo.InvariantCulture),
                ["CLUSTER_MODELS"] = modelsDirectory,
                ["CLUSTER_CACHE"] = sharedCache ? "shared" : "isolated",
                ["CLUSTER_SERVE_ARGS"] = serveArguments,
            },
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start bash");
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"cluster.sh {verb} did not finish within {limit.TotalSeconds:0} s:\n{await errors.ConfigureAwait(false)}");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cluster.sh {verb} failed ({process.ExitCode}):\n{await output.ConfigureAwait(false)}{await errors.ConfigureAwait(false)}");
        }
    }
}
