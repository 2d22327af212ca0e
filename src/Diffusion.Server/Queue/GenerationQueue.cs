using System.Collections.Concurrent;
using System.Threading.Channels;
using Diffusion.CacheStore;
using Diffusion.Server.Identity;
using Diffusion.Server.Jobs;
using Diffusion.Server.Metrics;
using Diffusion.Server.Options;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Queue;

/// <summary>
/// The one bounded queue in front of the generator: synchronous requests and jobs both wait here, so
/// the machine runs at most <see cref="ServerOptions.Workers"/> generations at a time and at most
/// <see cref="ServerOptions.MaxQueueLength"/> wait. <see cref="GenerationWorker"/> drains it. Admission is refused
/// (429) when the queue is full, when the tenant already has its share waiting (with several tenants), or when the
/// estimated wait is over <see cref="ServerOptions.MaxQueueWaitSeconds"/>.
/// </summary>
public sealed class GenerationQueue
{
    private readonly Channel<QueuedWork> channel;
    private readonly ServiceMetrics metrics;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<TenantId, int> waitingByTenant = new();
    private readonly Lock admission = new();
    private readonly int workers;
    private readonly double maxWaitSeconds;

    public GenerationQueue(IOptions<ServerOptions> options, ServiceMetrics metrics, TimeProvider time, ApiKeyRing keys)
    {
        Capacity = options.Value.MaxQueueLength;
        // One tenant (the open service, or one key holder) may use the whole queue; several share it.
        TenantCapacity = keys.Tenants.Count > 1 ? Math.Max(1, (int)Math.Ceiling(Capacity * options.Value.TenantQueueShare)) : Capacity;
        workers = options.Value.Workers;
        maxWaitSeconds = options.Value.MaxQueueWaitSeconds;
        channel = Channel.CreateBounded<QueuedWork>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of dropping work
            SingleReader = false,
            SingleWriter = false,
        });
        this.metrics = metrics;
        this.time = time;
    }

    public int Capacity { get; }

    /// <summary>Most waiting items of one tenant.</summary>
    public int TenantCapacity { get; }

    /// <summary>Work waiting to start (not counting work that is running).</summary>
    public int Depth => channel.Reader.Count;

    /// <summary>
    /// Seconds new work would wait before it starts: the work ahead times the recent mean generation time. Before the
    /// first generation has finished (a fresh start under load) each item ahead counts as the whole allowed wait, so
    /// a burst at start-up cannot queue more than one item per worker.
    /// </summary>
    public double EstimatedWaitSeconds()
    {
        var recent = metrics.RecentGenerationSeconds();
        var mean = recent.Length > 0 ? recent.Average() : maxWaitSeconds;
        return mean * (Depth + metrics.InFlight.Value) / Math.Max(1, workers);
    }

    public EnqueueStatus TryEnqueue<T>(
        TenantId tenant,
        Func<TimeSpan, CancellationToken, Task<T>> execute,
        CancellationToken cancellationToken,
        out Task<T> completion)
    {
        var work = new QueuedWork<T>(tenant, execute, time.GetTimestamp(), cancellationToken);
        completion = work.Completion;
        var status = Admit(work);
        if (status != EnqueueStatus.Accepted)
        {
            metrics.QueueRejections.Inc();
            return status;
        }
        metrics.QueueDepth.Set(Depth);
        return EnqueueStatus.Accepted;
    }

    /// <summary>
    /// Queues a job recovered from the journal after a restart: it was accepted before the crash, so only the queue's
    /// length can refuse it, not the tenant's share or the wait estimate.
    /// </summary>
    public EnqueueStatus TryEnqueueRecovered(TenantId tenant, Func<TimeSpan, CancellationToken, Task<JobStatus>> execute,
        CancellationToken cancellationToken)
    {
        var work = new QueuedWork<JobStatus>(tenant, execute, time.GetTimestamp(), cancellationToken);
        EnqueueStatus status;
        lock (admission) status = Write(work);
        if (status == EnqueueStatus.Accepted) metrics.QueueDepth.Set(Depth);
        return status;
    }

    private EnqueueStatus Admit(QueuedWork work)
    {
        // Under one lock so two requests cannot both take the last place, or the last second of allowed wait.
        lock (admission)
        {
            if (maxWaitSeconds > 0 && EstimatedWaitSeconds() > maxWaitSeconds) return EnqueueStatus.WaitTooLong;
            if (Depth >= Capacity) return EnqueueStatus.Full;
            if (waitingByTenant.GetValueOrDefault(work.Tenant) >= TenantCapacity) return EnqueueStatus.TenantShareFull;
            return Write(work);
        }
    }

    /// <summary>Puts work in the channel and counts it to its tenant; the caller holds the admission lock.</summary>
    private EnqueueStatus Write(QueuedWork work)
    {
        if (!channel.Writer.TryWrite(work)) return EnqueueStatus.Full;
        waitingByTenant[work.Tenant] = waitingByTenant.GetValueOrDefault(work.Tenant) + 1;
        return EnqueueStatus.Accepted;
    }

    internal async ValueTask<QueuedWork> DequeueAsync(CancellationToken cancellationToken)
    {
        var work = await channel.Reader.ReadAsync(cancellationToken);
        Left(work);
        return work;
    }

    /// <summary>Cancels everything still waiting; used when the host stops.</summary>
    internal void AbandonAll()
    {
        while (channel.Reader.TryRead(out var work))
        {
            Left(work);
            work.Abandon();
        }
    }

    private void Left(QueuedWork work)
    {
        lock (admission)
        {
            var waiting = waitingByTenant.GetValueOrDefault(work.Tenant) - 1;
            if (waiting <= 0) waitingByTenant.TryRemove(work.Tenant, out _);
            else waitingByTenant[work.Tenant] = waiting;
        }
        metrics.QueueDepth.Set(Depth);
    }
}
