using Diffusion.CacheStore;

namespace Diffusion.Lab.Cluster;

/// <summary>
/// <c>bench cluster</c>: the standard trace sent through the balancer of <see cref="Instances"/> instances, once with
/// isolated caches, once with the shared one, and once more shared with one instance killed (SIGKILL) when
/// <see cref="KillAt"/> of the requests are answered.
/// </summary>
public sealed record ClusterBenchOptions
{
    public int Instances { get; init; } = 3;

    public int Requests { get; init; } = 150;

    /// <summary>Requests in flight at once (closed loop), so every instance has a queue.</summary>
    public int Concurrency { get; init; } = 9;

    public long TraceSeed { get; init; } = 1;

    /// <summary>
    /// The shared store's budget; each isolated instance gets the same budget to itself (three times the bytes in all),
    /// which favours the isolated caches, so the value of sharing is not overstated. Small, so eviction runs.
    /// </summary>
    public string CacheSize { get; init; } = "1MB";

    /// <summary>Share of the failover phase's requests answered before one instance is killed.</summary>
    public double KillAt { get; init; } = 0.4;

    /// <summary>How long a client keeps retrying one request (same Idempotency-Key) before it counts as lost.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromMinutes(3);

    public required string ModelsDirectory { get; init; }

    /// <summary>A similarity→K table every instance serves with (<c>serve --cache-table</c>); null: the shipped one.</summary>
    public string? KTablePath { get; init; }

    /// <summary>Where the clusters keep their data and logs (a fresh folder under it per phase).</summary>
    public required string WorkDirectory { get; init; }

    public int BalancerPort { get; init; } = 5200;

    public int RedisPort { get; init; } = 6392;

    public long CacheBytes => ByteSize.Parse(CacheSize).Bytes;

    public ClusterBenchOptions Validate()
    {
        var problems = new List<string>();
        if (Instances is < 2 or > 8) problems.Add($"instances must be 2..8 (got {Instances})");
        if (Requests < 10) problems.Add($"requests must be at least 10 (got {Requests})");
        if (Concurrency is < 1 or > 64) problems.Add($"concurrency must be 1..64 (got {Concurrency})");
        if (KillAt is <= 0 or >= 1) problems.Add($"the kill point must be a share in (0, 1) (got {KillAt})");
        if (!ByteSize.TryParse(CacheSize, out _, out var sizeProblem)) problems.Add($"cache size: {sizeProblem}");
        if (BalancerPort is < 1024 or > 65000 || RedisPort is < 1024 or > 65535) problems.Add("ports must be 1024..65000");
        if (!Directory.Exists(ModelsDirectory)) problems.Add($"no model folder at {ModelsDirectory}");
        if (KTablePath is { } table && !File.Exists(table)) problems.Add($"no k-table at {table}");
        // cluster.sh splits the instances' arguments on spaces
        if (KTablePath?.Contains(' ', StringComparison.Ordinal) == true) problems.Add($"the k-table's path must have no spaces ({KTablePath})");
        if (problems.Count > 0)
        {
            throw new ArgumentException("bench cluster: " + string.Join("; ", problems) + ".");
        }
        return this;
    }
}
