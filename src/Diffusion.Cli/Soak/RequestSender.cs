namespace Diffusion.Cli.Soak;

/// <summary>How a job's client follows it.</summary>
public enum JobFollowMode
{
    /// <summary>GET /v1/jobs/{id} once a second until it ends.</summary>
    Poll,

    /// <summary>The event stream to the end, then the state.</summary>
    Events,

    /// <summary>The event stream, dropped on purpose after a few progress events, then polling.</summary>
    EventsThenDisconnect,
}

/// <summary>
/// Sends one request and follows it to its end, writing what it saw into its <see cref="SoakRequest"/>:
/// a synchronous generation, or a job (POST, then events or polling). A job's follower stops at the
/// first 404 (the final check asks again) or when <c>followStop</c> fires.
/// </summary>
public sealed class RequestSender(SoakHttp http, SoakLedger ledger, SoakClock clock, FaultLog faults, SoakProgress progress)
{
    public static readonly TimeSpan SyncTimeout = TimeSpan.FromSeconds(300);
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollEvery = TimeSpan.FromSeconds(1);

    public async Task<SoakRequest> SendSyncAsync(SoakPrompt prompt, SoakPhase phase, CancellationToken cancellationToken)
    {
        var request = new SoakRequest
        {
            Index = ledger.NextIndex(), Kind = SoakRequestKind.Sync, Phase = phase, Tenant = prompt.Tenant, Start = clock.Seconds,
        };
        ledger.Add(request);
        var call = await http.PostJsonAsync("v1/images/generations", PromptSource.Body(prompt), SyncTimeout, cancellationToken);
        request.Status = call.Status;
        request.Transport = call.Transport;
        request.RetryAfter = call.RetryAfter;
        request.End = call.End;
        request.Error = call.Problem;
        if (call.Status == 200)
        {
            var view = JobAnswers.Images(call.Body);
            request.Succeeded = view is { HasImage: true };
            request.Hit = view?.Hit;
            request.Error = view?.Reason ?? (view is null ? "the 200 answer is not JSON" : null);
        }
        return request;
    }

    /// <param name="abort">Stops the POST (the soak is interrupted).</param>
    /// <param name="followStop">Stops following (the final check takes over).</param>
    public async Task<SoakRequest> RunJobAsync(SoakPrompt prompt, SoakPhase phase, JobFollowMode mode, int disconnectAfter,
        CancellationToken abort, CancellationToken followStop)
    {
        var request = new SoakRequest
        {
            Index = ledger.NextIndex(), Kind = SoakRequestKind.Job, Phase = phase, Tenant = prompt.Tenant, Start = clock.Seconds,
        };
        ledger.Add(request);
        var call = await http.PostJsonAsync("v1/jobs", PromptSource.Body(prompt), CallTimeout, abort);
        request.Status = call.Status;
        request.Transport = call.Transport;
        request.RetryAfter = call.RetryAfter;
        request.Error = call.Problem;
        if (call.Status != 202) return request;
        request.JobId = JobAnswers.CreatedId(call.Body);
        if (request.JobId is null)
        {
            request.Error = "202 without a job id";
            return request;
        }

        try
        {
            if (mode != JobFollowMode.Poll) await FollowEventsAsync(request, mode == JobFollowMode.EventsThenDisconnect ? disconnectAfter : null, followStop);
            if (!JobStates.IsFinal(request.JobFinal)) await PollAsync(request, followStop);
        }
        catch (OperationCanceledException) when (followStop.IsCancellationRequested)
        {
            // the fault phase is over; the final check asks for this job again
        }
        return request;
    }

    /// <summary>Reads the job's events until the final one, a broken stream, or (on purpose) after <paramref name="disconnectAfter"/> progress events.</summary>
    private async Task FollowEventsAsync(SoakRequest request, int? disconnectAfter, CancellationToken cancellationToken)
    {
        var (response, failure) = await http.OpenStreamAsync($"v1/jobs/{request.JobId}/events", cancellationToken);
        if (response is null)
        {
            if (failure?.Status == 404) request.FirstNotFoundAt ??= failure.End;
            return;
        }
        using (response)
        {
            try
            {
                await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                using var reader = new StreamReader(stream);
                string? type = null;
                var progressEvents = 0;
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.StartsWith("event:", StringComparison.Ordinal))
                    {
                        type = line["event:".Length..].Trim();
                        continue;
                    }
                    if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                    var data = line["data:".Length..].Trim();
                    switch (type)
                    {
                        case "progress":
                            progressEvents++;
                            if (progressEvents >= disconnectAfter)
                            {
                                request.SseDisconnected = true;
                                var detail = $"client of {request.JobId} drops its event stream after {progressEvents} progress events";
                                faults.Record(clock.Seconds, FaultKinds.SseDisconnect, detail);
                                progress.Fault(FaultKinds.SseDisconnect, detail);
                                return; // disposing the response closes the connection mid-stream
                            }
                            break;
                        case "result":
                            Finish(request, JobAnswers.ResultEvent(data) ?? new JobView(JobStates.Succeeded, null, null, false));
                            return;
                        case "error":
                            Finish(request, JobAnswers.ErrorEvent(data) ?? new JobView(JobStates.Failed, "unreadable error event", null, false));
                            return;
                    }
                }
            }
            catch (Exception e) when (e is IOException or HttpRequestException)
            {
                // the stream broke (the service died): polling takes over
            }
        }
    }

    private async Task PollAsync(SoakRequest request, CancellationToken cancellationToken)
    {
        while (true)
        {
            var call = await http.GetAsync($"v1/jobs/{request.JobId}", CallTimeout, cancellationToken);
            if (call.Status == 404)
            {
                request.FirstNotFoundAt ??= call.End;
                return;
            }
            if (call.Status == 200 && JobAnswers.State(call.Body) is { } view && JobStates.IsFinal(view.Status))
            {
                Finish(request, view);
                return;
            }
            await Task.Delay(PollEvery, clock.Time, cancellationToken);
        }
    }

    private void Finish(SoakRequest request, JobView view)
    {
        request.JobFinal = view.Status;
        request.JobReason = view.Reason;
        request.Hit = view.Hit;
        request.Succeeded = view.Status == JobStates.Succeeded;
        request.End = clock.Seconds;
        if (view.ServerStatus is { } status) http.RecordJobFailure(request.JobId!, request.Start, request.End.Value, status, view.Reason);
    }

    /// <summary>
    /// After the final restart and the drain: asks for every accepted job once more and records its
    /// state (or not_found / unreachable) in <see cref="SoakRequest.EndCheck"/>.
    /// </summary>
    public async Task CheckJobAsync(SoakRequest request, CancellationToken cancellationToken)
    {
        if (request.JobId is null) return;
        var call = await http.GetAsync($"v1/jobs/{request.JobId}", CallTimeout, cancellationToken);
        if (call.Status == 404)
        {
            request.EndCheck = JobStates.NotFound;
            request.EndCheckReason = call.Problem;
            return;
        }
        if (call.Status != 200 || JobAnswers.State(call.Body) is not { } view)
        {
            request.EndCheck = JobStates.Unreachable;
            request.EndCheckReason = call.Problem ?? $"HTTP {call.Status}";
            return;
        }
        request.EndCheck = view.Status;
        request.EndCheckReason = view.Reason;
        if (!JobStates.IsFinal(request.JobFinal) && JobStates.IsFinal(view.Status))
        {
            // the soak never saw it end while following; the check did
            request.Succeeded = view.Status == JobStates.Succeeded;
            request.Hit ??= view.Hit;
            request.End ??= call.End;
            if (view.ServerStatus is { } status) http.RecordJobFailure(request.JobId, request.Start, call.End, status, view.Reason);
        }
    }
}
