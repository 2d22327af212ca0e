using Diffusion.Replay.Arrivals;
using Diffusion.Replay.Client;
using Diffusion.Replay.Records;
using Diffusion.Replay.Traces;

namespace Diffusion.Replay.Running;

/// <summary>
/// Sends the trace on its schedule with at most <see cref="PassSettings.Concurrency"/> requests
/// awaiting an answer; a request due while all slots are taken waits for one (its send time is then
/// later than its due time). When <c>stop</c> fires nothing more is sent; requests already sent get
/// <see cref="PassSettings.DrainTimeout"/> to finish, then are abandoned. Every sent request gets
/// exactly one record, in the log file as soon as it finishes.
/// </summary>
public sealed class ReplayRunner(GenerationClient client, TimeProvider time)
{
    public async Task<PassResult> RunAsync(
        IReadOnlyList<TraceRecord> trace, IReadOnlyList<ScheduledRequest> schedule, PassSettings settings,
        RequestLogWriter log, LiveStats stats, CancellationToken stop)
    {
        var startedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        using var abort = new CancellationTokenSource();
        using var slots = new SemaphoreSlim(settings.Concurrency);
        var inFlight = new List<Task<RequestRecord>>(schedule.Count);
        var notSent = 0;

        for (var i = 0; i < schedule.Count; i++)
        {
            var due = schedule[i];
            try
            {
                // The timer may fire a little before the stopwatch says the time has come: wait out the rest.
                TimeSpan wait;
                while ((wait = due.At - time.GetElapsedTime(started)) > TimeSpan.Zero) await Task.Delay(wait, time, stop);
                await slots.WaitAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                notSent = schedule.Count - i;
                break;
            }
            stats.OnSent();
            inFlight.Add(SendOneAsync(trace[due.Index], due, settings, startedAt, started, slots, log, stats, abort.Token));
        }

        var all = Task.WhenAll(inFlight);
        var interrupted = notSent > 0;
        try
        {
            await all.WaitAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            interrupted = true;
            try
            {
                await all.WaitAsync(settings.DrainTimeout, time);
            }
            catch (TimeoutException)
            {
                // The drain time is over: what is still unanswered is recorded as abandoned.
                await abort.CancelAsync();
            }
        }

        var records = await all;
        Array.Sort(records, (a, b) => a.Index.CompareTo(b.Index));
        return new PassResult(settings, records, schedule.Count, notSent, interrupted, startedAt, time.GetElapsedTime(started));
    }

    private async Task<RequestRecord> SendOneAsync(
        TraceRecord request, ScheduledRequest due, PassSettings settings, DateTimeOffset startedAt, long started,
        SemaphoreSlim slots, RequestLogWriter log, LiveStats stats, CancellationToken abort)
    {
        try
        {
            // Off the dispatch loop at once, so the next request's wait starts now.
            await Task.Yield();
            var body = new GenerationRequestBody(request.Prompt, request.User, request.Seed, settings.Steps, settings.CacheOff);
            var sent = time.GetElapsedTime(started);
            var answer = await client.SendAsync(body, stats.OnRetry, abort);
            var finished = time.GetElapsedTime(started);
            var record = new RequestRecord
            {
                Index = due.Index,
                Prompt = request.Prompt,
                User = request.User,
                Seed = request.Seed,
                Kind = request.Kind is { } kind ? TraceFileFormats.KindName(kind) : null,
                CacheMode = body.CacheMode,
                ScheduledS = due.At.TotalSeconds,
                SentS = sent.TotalSeconds,
                FinishedS = finished.TotalSeconds,
                LatencyS = (finished - sent).TotalSeconds,
                SentAt = startedAt + sent,
                FinishedAt = startedAt + finished,
                Outcome = answer.Outcome,
                Status = answer.Status,
                Error = answer.Error,
                Attempts = answer.Attempts,
                Retries = answer.Retries,
                ImageId = answer.ImageId,
                ImageUrl = answer.ImageUrl,
                ImageSeed = answer.ImageSeed,
                Cache = answer.Cache,
                Timings = answer.Timings,
            };
            log.Append(record);
            stats.OnFinished(record);
            return record;
        }
        finally
        {
            slots.Release();
        }
    }
}
