using System.Collections.Concurrent;
using System.Text.Json;
using Diffusion.CacheStore;
using Diffusion.Server.Api.Contracts;
using Diffusion.Server.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Diffusion.Server.Jobs;

/// <summary>
/// Every instance's jobs, as their owners last described them, in Redis: the owner writes a job's state when it is
/// accepted, starts, makes progress (at most every <see cref="ProgressEvery"/>) and ends, so any instance behind the
/// balancer can answer <c>GET /v1/jobs/{id}</c> and stream its progress and result, not only the one running it.
/// Writes are fire-and-forget (one SET each, in order on the shared connection); a Redis outage leaves the other
/// instances with an older state, never the owner. A finished job's state expires with the job retention; an
/// unfinished one after <see cref="UnfinishedExpiry"/>, so the state of a job whose owner died does not stay forever.
/// </summary>
public sealed class RedisJobMirror(RedisConnection redis, IOptions<ServerOptions> options, TimeProvider time, ILogger<RedisJobMirror> logger,
    string keyPrefix = "diffusion:jobs:")
{
    public static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan UnfinishedExpiry = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<JobId, (JobStatus Status, DateTimeOffset At)> _published = new();
    private int _failing;

    /// <summary>Writes the job's state unless it is only progress published less than <see cref="ProgressEvery"/> ago.</summary>
    public void Publish(Job job)
    {
        var now = time.GetUtcNow();
        bool final = job.IsFinal(out _);
        if (!final && _published.TryGetValue(job.Id, out var last) && last.Status == job.Status && now - last.At < ProgressEvery)
        {
            return; // called at every step: decided before the response is built
        }
        var response = job.ToResponse();
        if (final)
        {
            _published.TryRemove(job.Id, out _);
        }
        else
        {
            _published[job.Id] = (response.Status, now);
        }
        var value = JsonSerializer.Serialize(new MirroredJob(job.Plan.Spec.Tenant.Value, response), ApiJson.Options);
        var expiry = final ? options.Value.JobRetention : UnfinishedExpiry;
        _ = WriteAsync(Key(job.Id), value, expiry);
    }

    /// <summary>Removes a job that was never accepted (the queue refused it), so no instance answers for it.</summary>
    public void Forget(JobId id)
    {
        _published.TryRemove(id, out _);
        _ = DeleteAsync(Key(id));
    }

    /// <summary>The job's last published state, when it exists and belongs to <paramref name="tenant"/>; another tenant's is "not found".</summary>
    public async Task<JobResponse?> FindAsync(JobId id, TenantId tenant, CancellationToken cancellationToken)
    {
        RedisValue value;
        try
        {
            value = await redis.Database.StringGetAsync(Key(id)).WaitAsync(redis.Options.OperationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("Cannot read job {Job} from Redis: {Message}", id, ex.Message);
            return null;
        }
        if (value.IsNull)
        {
            return null;
        }
        var mirrored = JsonSerializer.Deserialize<MirroredJob>((string)value!, ApiJson.Options);
        return mirrored is not null && mirrored.Tenant == tenant.Value ? mirrored.Job : null;
    }

    private RedisKey Key(JobId id) => keyPrefix + id.Value;

    private Task WriteAsync(RedisKey key, string value, TimeSpan expiry) =>
        RunAsync(db => db.StringSetAsync(key, value, expiry));

    private Task DeleteAsync(RedisKey key) => RunAsync(db => db.KeyDeleteAsync(key));

    private async Task RunAsync(Func<IDatabase, Task> operation)
    {
        try
        {
            await operation(redis.Database).WaitAsync(redis.Options.OperationTimeout).ConfigureAwait(false);
            if (Interlocked.Exchange(ref _failing, 0) == 1)
            {
                logger.LogInformation("Job states reach Redis again");
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // One line per outage: other instances answer with an older state meanwhile.
            if (Interlocked.Exchange(ref _failing, 1) == 0)
            {
                logger.LogWarning("Cannot write job states to Redis ({Message}); other instances see older states until it is back", ex.Message);
            }
        }
    }

    private sealed record MirroredJob(string Tenant, JobResponse Job);
}
