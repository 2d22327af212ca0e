using System.Threading.Channels;
using Diffusion.Server.Metrics;
using Diffusion.Server.Options;
using Microsoft.Extensions.Options;

namespace Diffusion.Server.Queue;

/// <summary>
/// The one bounded queue in front of the generator: synchronous requests and jobs both wait here, so
/// the machine runs at most <see cref="ServerOptions.Workers"/> generations at a time and at most
/// <see cref="ServerOptions.MaxQueueLength"/> wait. <see cref="GenerationWorker"/> drains it.
/// </summary>
public sealed class GenerationQueue
{
    private readonly Channel<QueuedWork> channel;
    private readonly ServiceMetrics metrics;
    private readonly TimeProvider time;

    public GenerationQueue(IOptions<ServerOptions> options, ServiceMetrics metrics, TimeProvider time)
    {
        Capacity = options.Value.MaxQueueLength;
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

    /// <summary>Work waiting to start (not counting work that is running).</summary>
    public int Depth => channel.Reader.Count;

    public EnqueueStatus TryEnqueue<T>(
        Func<TimeSpan, CancellationToken, Task<T>> execute,
        CancellationToken cancellationToken,
        out Task<T> completion)
    {
        var work = new QueuedWork<T>(execute, time.GetTimestamp(), cancellationToken);
        completion = work.Completion;
        if (!channel.Writer.TryWrite(work))
        {
            metrics.QueueRejections.Inc();
            return EnqueueStatus.Full;
        }
        metrics.QueueDepth.Set(Depth);
        return EnqueueStatus.Accepted;
    }

    internal async ValueTask<QueuedWork> DequeueAsync(CancellationToken cancellationToken)
    {
        var work = await channel.Reader.ReadAsync(cancellationToken);
        metrics.QueueDepth.Set(Depth);
        return work;
    }

    /// <summary>Cancels everything still waiting; used when the host stops.</summary>
    internal void AbandonAll()
    {
        while (channel.Reader.TryRead(out var work)) work.Abandon();
        metrics.QueueDepth.Set(Depth);
    }
}
