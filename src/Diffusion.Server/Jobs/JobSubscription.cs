using System.Threading.Channels;

namespace Diffusion.Server.Jobs;

/// <summary>
/// One reader of a job's events: <see cref="First"/> is the state at subscription time; then
/// <see cref="Reader"/> (null when the job was already over) yields later events and completes
/// after the final one. Dispose to stop receiving.
/// </summary>
public sealed class JobSubscription : IDisposable
{
    private readonly Job job;
    private readonly Channel<JobEvent>? channel;

    internal JobSubscription(Job job, JobEvent? first, Channel<JobEvent>? channel)
    {
        this.job = job;
        this.channel = channel;
        First = first;
    }

    public JobEvent? First { get; }
    public ChannelReader<JobEvent>? Reader => channel?.Reader;

    public void Dispose()
    {
        if (channel is not null) job.Unsubscribe(channel);
    }
}
