using System.Collections.Concurrent;

namespace Diffusion.Cli.Soak;

/// <summary>Every request the soak sent, and the tasks still sending or following one.</summary>
public sealed class SoakLedger
{
    private readonly ConcurrentQueue<SoakRequest> requests = new();
    private readonly ConcurrentDictionary<Task, byte> running = new();
    private int index = -1;

    public int NextIndex() => Interlocked.Increment(ref index);

    public void Add(SoakRequest request) => requests.Enqueue(request);

    public IReadOnlyList<SoakRequest> Requests => requests.OrderBy(r => r.Index).ToArray();

    public IEnumerable<SoakRequest> InPhase(SoakPhase phase) => requests.Where(r => r.Phase == phase);

    /// <summary>Keeps a task until it ends, so the soak can wait for what is in flight.</summary>
    public void Track(Task task)
    {
        running.TryAdd(task, 0);
        task.ContinueWith(t => running.TryRemove(t, out _), TaskScheduler.Default);
    }

    public int InFlight => running.Count;

    /// <summary>Waits for the tracked tasks, at most <paramref name="limit"/>; true when all ended.</summary>
    public async Task<bool> WaitAllAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        var all = Task.WhenAll(running.Keys.ToArray());
        var done = await Task.WhenAny(all, Task.Delay(limit, cancellationToken));
        return done == all;
    }
}
